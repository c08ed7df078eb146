"""The MiniLM encoder as an ONNX graph, for ONNX Runtime (``archive.embeddings``).

The graph is the network's structure only: every weight is declared as external data and
supplied when the session is made, from the hash-checked ``model.safetensors`` (the same
arrays the numpy encoder uses). So the file shipped in the package (``models/minilm-l6.onnx``,
a few kilobytes) holds no weights, and no weights are trusted but the published ones.

The file is made by ``python -m archive.encoder_graph`` with the ``onnx`` library (a build
tool here, not needed at run time); a test checks that the shipped file is what this module
builds. The operators are ONNX's standard ones (opset 17), written as the numpy encoder
computes: embeddings → LayerNorm → 6 × (self-attention, GELU feed-forward) → hidden states;
mean pooling and unit length stay in numpy, beside the attention mask.
"""

from __future__ import annotations

from pathlib import Path

GRAPH = Path(__file__).with_name("models") / "minilm-l6.onnx"
OPSET = 17
IR_VERSION = 8


def weight_shapes(layers: int, dim: int, hidden: int, vocab: int, positions: int) -> dict[str, tuple[int, ...]]:
    """The graph's weights by name, as ``archive.embeddings.prepared_weights`` makes them."""
    shapes: dict[str, tuple[int, ...]] = {
        "word": (vocab, dim), "position": (positions, dim), "type0": (dim,), "ln0.w": (dim,), "ln0.b": (dim,)}
    for i in range(layers):
        p = f"l{i}."
        shapes.update({
            p + "qkv": (dim, 3 * dim), p + "qkv_b": (3 * dim,), p + "out": (dim, dim), p + "out_b": (dim,),
            p + "ln1.w": (dim,), p + "ln1.b": (dim,), p + "up": (dim, hidden), p + "up_b": (hidden,),
            p + "down": (hidden, dim), p + "down_b": (dim,), p + "ln2.w": (dim,), p + "ln2.b": (dim,)})
    return shapes  # fmt: skip


def build(layers: int = 6, dim: int = 384, heads: int = 12, hidden: int = 1536, vocab: int = 30522,
          positions: int = 512, eps: float = 1e-12) -> bytes:  # fmt: skip
    """The serialized graph. Inputs: ``ids`` (n × L token ids), ``positions`` (0 … L−1),
    ``mask`` (n × 1 × 1 × L: 0 for a token, −1e9 for padding). Output: ``hidden`` (n × L × dim)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    nodes: list = []
    inits: list = []
    for name, shape in weight_shapes(layers, dim, hidden, vocab, positions).items():
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(shape))
        t.data_location = TensorProto.EXTERNAL
        entry = t.external_data.add()
        entry.key, entry.value = "location", "model.safetensors"  # supplied at session creation
        inits.append(t)

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def norm(x: str, prefix: str) -> str:
        return node("LayerNormalization", [x, prefix + ".w", prefix + ".b"], prefix, axis=-1, epsilon=eps)

    head = dim // heads
    const("shape_qkv", np.array([0, 0, 3, heads, head], dtype=np.int64))
    const("shape_ctx", np.array([0, 0, dim], dtype=np.int64))
    const("scale", np.float32(1.0 / np.sqrt(head)))
    const("half", np.float32(0.5))
    const("one", np.float32(1.0))
    const("rsqrt2", np.float32(0.7071067811865476))
    for i in range(3):
        const(f"part{i}", np.int64(i))
    x = node("Add", [node("Gather", ["word", "ids"], "tokens"), node("Gather", ["position", "positions"], "pos")], "e1")
    x = norm(node("Add", [x, "type0"], "e2"), "ln0")
    for i in range(layers):
        p = f"l{i}."
        qkv = node("Add", [node("MatMul", [x, p + "qkv"], p + "qkv_mm"), p + "qkv_b"], p + "qkv_out")
        qkv = node("Transpose", [node("Reshape", [qkv, "shape_qkv"], p + "qkv_r")], p + "qkv_t", perm=[2, 0, 3, 1, 4])
        q, k, v = (node("Gather", [qkv, f"part{j}"], p + "qkv"[j], axis=0) for j in range(3))
        s = node("MatMul", [q, node("Transpose", [k], p + "kt", perm=[0, 1, 3, 2])], p + "scores")
        s = node("Add", [node("Mul", [s, "scale"], p + "scaled"), "mask"], p + "masked")
        s = node("Softmax", [s], p + "probs", axis=-1)
        c = node("Transpose", [node("MatMul", [s, v], p + "ctx")], p + "ctx_t", perm=[0, 2, 1, 3])
        c = node("Reshape", [c, "shape_ctx"], p + "ctx_r")
        c = node("Add", [node("MatMul", [c, p + "out"], p + "out_mm"), p + "out_b"], p + "attended")
        x = norm(node("Add", [x, c], p + "res1"), p + "ln1")
        h = node("Add", [node("MatMul", [x, p + "up"], p + "up_mm"), p + "up_b"], p + "up_out")
        g = node("Erf", [node("Mul", [h, "rsqrt2"], p + "g1")], p + "g2")  # GELU: h · (1 + erf(h/√2)) / 2
        g = node("Mul", [node("Add", [g, "one"], p + "g3"), "half"], p + "g4")
        h = node("Mul", [h, g], p + "gelu")
        h = node("Add", [node("MatMul", [h, p + "down"], p + "down_mm"), p + "down_b"], p + "down_out")
        x = norm(node("Add", [x, h], p + "res2"), p + "ln2")
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2 encoder",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["n", "L"]),
         helper.make_tensor_value_info("positions", TensorProto.INT64, ["L"]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["n", 1, 1, "L"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["n", "L", dim])], inits)  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="archive")
    model.ir_version = IR_VERSION
    return model.SerializeToString(deterministic=True)


if __name__ == "__main__":
    GRAPH.parent.mkdir(exist_ok=True)
    GRAPH.write_bytes(build())
    print(f"{GRAPH}: {GRAPH.stat().st_size:,} bytes")
