"""Build the ONNX micro-graphs in `micro/` that `tests/it/onnx.rs` imports: one edge case
each (asymmetric and automatic padding, groups, transposed convolutions, batched matmuls,
joins, folded shape arithmetic) and the faulty files the importer must reject.

Not run in CI; the outputs are committed. Run with the `onnx` package installed:

    python3 tests/onnx/make_micro.py

Weights are stored without data (as in the architecture-only exports next to this script):
only their shapes matter to the importer.
"""

import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "micro")
F = TensorProto.FLOAT
I64 = TensorProto.INT64


def weight(name, dims):
    """A float initializer with its shape but no data (an external file that is not there)."""
    t = TensorProto()
    t.name = name
    t.data_type = F
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    entry = t.external_data.add()
    entry.key = "location"
    entry.value = "stripped"
    return t


def ints(name, values, dims=None):
    return helper.make_tensor(name, I64, [len(values)] if dims is None else dims, values)


def save(name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, os.path.join(HERE, name + ".onnx"))


def x(name, dims):
    return helper.make_tensor_value_info(name, F, dims)


def main():
    os.makedirs(HERE, exist_ok=True)
    # Asymmetric pads (bottom/right only), SAME_UPPER and SAME_LOWER at stride 2, dilation.
    save(
        "padding",
        [
            helper.make_node("Conv", ["in", "w1"], ["a"], name="asym", strides=[2, 2], pads=[0, 0, 1, 1]),
            helper.make_node("Conv", ["a", "w2"], ["b"], name="same_upper", strides=[2, 2], auto_pad="SAME_UPPER"),
            helper.make_node("Conv", ["b", "w3"], ["c"], name="same_lower", strides=[2, 2], auto_pad="SAME_LOWER", kernel_shape=[4, 4]),
            helper.make_node("Conv", ["c", "w4"], ["d"], name="dilated", dilations=[2, 2], pads=[2, 2, 2, 2]),
        ],
        [x("in", [1, 3, 56, 56])],
        [x("d", None)],
        [weight("w1", [8, 3, 3, 3]), weight("w2", [8, 8, 3, 3]), weight("w3", [8, 8, 4, 4]), weight("w4", [8, 8, 3, 3])],
    )
    # Groups: depthwise, grouped, depthwise with a channel multiplier, pointwise; a 1-D conv.
    save(
        "groups",
        [
            helper.make_node("Conv", ["in", "w1"], ["a"], name="dw", group=16, pads=[1, 1, 1, 1]),
            helper.make_node("Conv", ["a", "w2"], ["b"], name="grouped", group=4, pads=[1, 1, 1, 1]),
            helper.make_node("Conv", ["b", "w3"], ["c"], name="multiplier", group=32),
            helper.make_node("Conv", ["c", "w4"], ["d"], name="pw"),
            helper.make_node("Reshape", ["d", "flat"], ["e"], name="to_1d"),
            helper.make_node("Conv", ["e", "w5"], ["f"], name="conv1d", strides=[2], pads=[1, 1]),
        ],
        [x("in", [2, 16, 20, 20])],
        [x("f", None)],
        [
            weight("w1", [16, 1, 3, 3]),
            weight("w2", [32, 4, 3, 3]),
            weight("w3", [64, 1, 1, 1]),
            weight("w4", [8, 64, 1, 1]),
            ints("flat", [2, 8, 400]),
            weight("w5", [4, 8, 5]),
        ],
    )
    # Transposed convolutions: pads and output_padding, output_shape, SAME_UPPER, groups.
    save(
        "transposed",
        [
            helper.make_node("ConvTranspose", ["in", "w1"], ["a"], name="up", strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
            helper.make_node("ConvTranspose", ["a", "w2"], ["b"], name="to_shape", strides=[2, 2], output_shape=[57, 58]),
            helper.make_node("ConvTranspose", ["b", "w3"], ["c"], name="same", strides=[2, 2], auto_pad="SAME_UPPER"),
            helper.make_node("ConvTranspose", ["c", "w4"], ["d"], name="grouped", group=2),
        ],
        [x("in", [1, 8, 14, 14])],
        [x("d", None)],
        [weight("w1", [8, 4, 3, 3]), weight("w2", [4, 4, 2, 2]), weight("w3", [4, 4, 3, 3]), weight("w4", [4, 3, 1, 1])],
    )
    # Attention: a projection (3-D activation × weight), Q·Kᵀ and A·V between activations,
    # Gemm with transB, and a Concat join of two branches.
    save(
        "attention",
        [
            helper.make_node("MatMul", ["in", "wq"], ["q"], name="q_proj"),
            helper.make_node("MatMul", ["in", "wk"], ["k"], name="k_proj"),
            helper.make_node("Reshape", ["q", "heads"], ["q4"], name="split_q"),
            helper.make_node("Transpose", ["q4"], ["qh"], name="q_heads", perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", ["k", "heads"], ["k4"], name="split_k"),
            helper.make_node("Transpose", ["k4"], ["kt"], name="k_heads", perm=[0, 2, 3, 1]),
            helper.make_node("MatMul", ["qh", "kt"], ["s"], name="scores"),
            helper.make_node("Softmax", ["s"], ["p"], name="softmax", axis=-1),
            helper.make_node("MatMul", ["p", "qh"], ["o"], name="context"),
            helper.make_node("Transpose", ["o"], ["ot"], name="merge", perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", ["ot", "rows"], ["o2"], name="flatten"),
            helper.make_node("Gemm", ["o2", "wo"], ["y"], name="out_proj", transB=1),
            helper.make_node("Reshape", ["k", "rows"], ["k2"], name="k_rows"),
            helper.make_node("Concat", ["y", "k2"], ["cat"], name="join", axis=1),
            helper.make_node("Gemm", ["cat", "wf"], ["z"], name="ffn"),
        ],
        [x("in", [1, 10, 32])],
        [x("z", None)],
        [
            weight("wq", [32, 32]),
            weight("wk", [32, 32]),
            ints("heads", [1, 10, 4, 8]),
            ints("rows", [10, 32]),
            weight("wo", [32, 32]),
            weight("wf", [64, 16]),
        ],
    )
    # Channel shuffle as torchvision's ShuffleNet exports it: the group count divides a
    # dimension read with Shape → Gather, and the target shape is concatenated.
    save(
        "shuffle",
        [
            helper.make_node("Conv", ["in", "w1"], ["a"], name="conv_a"),
            helper.make_node("Shape", ["a"], ["shape"], name="shape"),
            helper.make_node("Gather", ["shape", "one"], ["channels"], name="gather", axis=0),
            helper.make_node("Div", ["channels", "groups"], ["per_group"], name="div"),
            helper.make_node("Slice", ["shape", "two", "four"], ["hw"], name="slice"),
            helper.make_node("Unsqueeze", ["per_group", "zero"], ["pg1"], name="unsqueeze"),
            helper.make_node("Concat", ["batch", "groups1", "pg1", "hw"], ["target"], name="concat", axis=0),
            helper.make_node("Reshape", ["a", "target"], ["a5"], name="reshape"),
            helper.make_node("Transpose", ["a5"], ["t5"], name="transpose", perm=[0, 2, 1, 3, 4]),
            helper.make_node("Reshape", ["t5", "back"], ["b"], name="reshape_back"),
            helper.make_node("Conv", ["b", "w2"], ["c"], name="conv_b", pads=[1, 1, 1, 1]),
            helper.make_node("MaxPool", ["c"], ["d"], name="pool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
            helper.make_node("Conv", ["d", "w3"], ["e"], name="conv_c"),
        ],
        [x("in", [1, 4, 9, 9])],
        [x("e", None)],
        [
            weight("w1", [12, 4, 1, 1]),
            ints("one", [1], []),
            ints("groups", [3], []),
            ints("two", [2]),
            ints("four", [4]),
            ints("zero", [0]),
            ints("batch", [1]),
            ints("groups1", [3]),
            ints("back", [1, -1, 9, 9]),
            weight("w2", [12, 12, 3, 3]),
            weight("w3", [6, 12, 1, 1]),
        ],
    )
    # A symbolic batch: imports with `--input-shape in=2x3x8x8`, fails (E0606) without.
    save(
        "symbolic",
        [helper.make_node("Conv", ["in", "w"], ["y"], name="conv")],
        [x("in", ["batch", 3, 8, 8])],
        [x("y", None)],
        [weight("w", [4, 3, 3, 3])],
    )
    # Faults. A cycle (E0605).
    save(
        "cycle",
        [
            helper.make_node("Conv", ["in", "w"], ["a"], name="conv"),
            helper.make_node("Add", ["a", "c"], ["b"], name="add"),
            helper.make_node("Relu", ["b"], ["c"], name="relu"),
        ],
        [x("in", [1, 4, 8, 8])],
        [x("c", None)],
        [weight("w", [4, 4, 1, 1])],
    )
    # An unknown operator on the MAC path (E0607), and one after the last layer (W0602).
    save(
        "unknown_op",
        [
            helper.make_node("Conv", ["in", "w"], ["a"], name="conv"),
            helper.make_node("FancyNorm", ["a"], ["b"], name="fancy", domain="com.example"),
            helper.make_node("Conv", ["b", "w"], ["c"], name="conv_after"),
        ],
        [x("in", [1, 4, 8, 8])],
        [x("c", None)],
        [weight("w", [4, 4, 1, 1])],
    )
    save(
        "unknown_tail",
        [
            helper.make_node("Conv", ["in", "w"], ["a"], name="conv"),
            helper.make_node("NonMaxSuppression", ["a", "a"], ["b"], name="nms"),
        ],
        [x("in", [1, 4, 8, 8])],
        [x("b", None)],
        [weight("w", [4, 4, 1, 1])],
    )
    # A Reshape whose target shape is data (E0608).
    save(
        "data_reshape",
        [
            helper.make_node("Reshape", ["in", "target"], ["a"], name="reshape_by_data"),
            helper.make_node("Conv", ["a", "w"], ["b"], name="conv"),
        ],
        [x("in", [1, 4, 8, 8]), helper.make_tensor_value_info("target", I64, [4])],
        [x("b", None)],
        [weight("w", [4, 4, 1, 1])],
    )
    # Weights that do not fit the input (E0609), and a graph without MAC operators (E0609).
    save(
        "bad_weights",
        [helper.make_node("Conv", ["in", "w"], ["y"], name="conv")],
        [x("in", [1, 3, 8, 8])],
        [x("y", None)],
        [weight("w", [4, 5, 3, 3])],
    )
    save(
        "no_macs",
        [helper.make_node("Relu", ["in"], ["y"], name="relu")],
        [x("in", [1, 3, 8, 8])],
        [x("y", None)],
    )


if __name__ == "__main__":
    main()
