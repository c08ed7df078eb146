"""How fast articles are embedded, alone and beside another CPU-bound process.

Measures, on the same texts (SciFact abstracts: title and text, as `archive` embeds an article):

- numpy, one BLAS thread per worker and a worker per core (archive's fallback encoder);
- numpy as it ran before issue #19: one worker, numpy's BLAS free to start a thread per core
  (the oversubscription the issue saw);
- onnxruntime: archive's encoder (``archive.encoder_graph``, the hash-checked weights);
- onnxruntime int8 (needs ``onnx``): the same graph with ONNX Runtime's dynamic int8
  quantisation.

Each is run alone and then beside a busy process (a pure-Python loop that keeps one core busy),
in rounds, interleaved; medians are reported. For every variant the cosine between its vectors
and numpy's float32 vectors is given (numpy's are checked against sentence-transformers' own in
``tests/test_embeddings.py``), with SciFact's nDCG@10 left to ``relevance.py``.

    python benchmarks/embed_speed.py --texts 200 --rounds 3
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpora" / "scifact" / "corpus.jsonl.gz"
sys.path.insert(0, str(HERE.parent))


def texts(n: int) -> list[str]:
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out.append((d["title"] + "\n" + d["text"])[:4000])
            if len(out) == n:
                break
    return out


def busy(stop) -> None:  # one core's worth of CPU-bound work
    while not stop.is_set():
        sum(i * i for i in range(10000))


def int8_session(weights: dict, threads: int):
    """The shipped graph with its weights put in, quantised to int8 by ONNX Runtime's dynamic
    quantisation (weights int8, activations quantised per batch)."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from archive.encoder_graph import build

    model = onnx.load_from_string(build())
    for i, t in enumerate(model.graph.initializer):
        if t.name in weights:
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(weights[t.name], t.name))
    tmp = Path(tempfile.mkdtemp())
    onnx.save(model, str(tmp / "fp32.onnx"))
    quantize_dynamic(str(tmp / "fp32.onnx"), str(tmp / "int8.onnx"), weight_type=QuantType.QInt8)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(tmp / "int8.onnx"), opts, providers=["CPUExecutionProvider"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from threadpoolctl import threadpool_limits

    from archive.embeddings import Embedder, _batches, model_dir, prepared_weights

    sample = texts(args.texts)
    numpy_encoder = Embedder(runtime="numpy")
    reference = numpy_encoder.embed(sample)  # checked against sentence-transformers' in the tests
    runners = {"numpy (one BLAS thread per worker)": numpy_encoder.embed}

    def blas_free(batch):  # the encoder as it ran before: one worker, BLAS threads per core
        ids = [e.ids for e in numpy_encoder.tokenizer.encode_batch(batch)]
        out = np.empty((len(ids), 384), dtype=np.float32)
        with threadpool_limits(os.cpu_count() or 1, user_api="blas"):
            for rows in _batches([len(i) for i in ids], 256):
                out[rows] = numpy_encoder._forward([ids[i] for i in rows])
        return out

    runners["numpy (BLAS free, as before)"] = blas_free
    try:
        ort_encoder = Embedder(runtime="onnxruntime")
        runners["onnxruntime"] = ort_encoder.embed
        from safetensors.numpy import load_file

        int8 = Embedder(runtime="onnxruntime")
        int8._session = int8_session(prepared_weights(load_file(str(model_dir() / "model.safetensors"))),
                                     os.cpu_count() or 1)
        runners["onnxruntime int8"] = int8.embed
    except ImportError as e:
        print(f"(not measured: {e})")

    agreement = {}
    for name, run in runners.items():
        vectors = run(sample[:50])
        agreement[name] = float(np.min(np.sum(vectors * reference[:50], axis=1)))
    rates: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for setting in ("alone", "beside a busy process"):
            stop = multiprocessing.Event()
            other = None
            if setting != "alone":
                other = multiprocessing.Process(target=busy, args=(stop,))
                other.start()
                time.sleep(0.5)
            for name, run in runners.items():
                started = time.perf_counter()
                run(sample)
                rates.setdefault((name, setting), []).append(len(sample) / (time.perf_counter() - started))
            if other is not None:
                stop.set()
                other.join()
    print(f"{len(sample)} SciFact abstracts, {args.rounds} rounds, {os.cpu_count()} cores; articles/s (median)\n")
    print("| encoder | alone | beside a busy process | lowest cosine to archive's vectors (50 texts) |")
    print("|---|---|---|---|")
    for name in runners:
        alone = statistics.median(rates[(name, "alone")])
        busy_rate = statistics.median(rates[(name, "beside a busy process")])
        print(f"| {name} | {alone:.1f} | {busy_rate:.1f} | {agreement[name]:.5f} |")


if __name__ == "__main__":
    main()
