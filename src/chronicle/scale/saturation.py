"""Does onnxruntime's `MatMulInteger` give the exact integer product on this CPU? (issue 18)

`scale.rowquant` feeds onnxruntime's integer products (`MatMulIntegerToFloat` since session 18, the
same integer kernels as `MatMulInteger`, which is probed here; the same saturation was seen under
`-cpu Haswell` with a one-off script, docs/BENCHMARKS.md) uint8 activations (zero point 128) and either
int8 weights or uint8 weights with a zero point of 128. onnxruntime's x86 kernels compute on the raw stored bytes and
correct for the zero points afterwards. Without VNNI, its uint8 × int8 kernel (AVX2 `vpmaddubsw`) adds
each pair of adjacent u8·s8 products into a saturating int16: 255·127 + 255·127 = 64770 does not fit,
so such a product is clipped to 32767 and the answer depends on the CPU. Its uint8 × uint8 kernel widens
both to int16 first and sums pairs into int32 (`vpmaddwd`), which cannot overflow for K below 2^15.

`probe()` builds one-node graphs (the weight a constant initializer, as in the model, so onnxruntime
prepacks it the same way) and compares their int32 output with numpy's exact product, on inputs chosen to
saturate int16 pairs and on random ones. Run it natively and under an emulated AVX2-only CPU:

    python -m chronicle.scale.saturation
    qemu-x86_64 -cpu Haswell .venv/bin/python -m chronicle.scale.saturation
"""

from __future__ import annotations

import json
import sys


def _cases(m: int, k: int, n: int):
    """(name, A uint8 [m, k], B int8 [k, n]) with A's zero point 128; deterministic."""
    import numpy as np

    rng = np.random.default_rng(18)
    pairs = np.where((np.arange(k) // 2) % 2 == 0, 127, -127).astype(np.int8)  # +,+,-,-,...
    yield "A 255, B +127", np.full((m, k), 255, np.uint8), np.full((k, n), 127, np.int8)
    yield "A 255, B -127", np.full((m, k), 255, np.uint8), np.full((k, n), -127, np.int8)
    yield "A 255, B +-127 in pairs", np.full((m, k), 255, np.uint8), np.repeat(pairs[:, None], n, 1)
    yield "A 1, B +-127 in pairs", np.full((m, k), 1, np.uint8), np.repeat(pairs[:, None], n, 1)
    yield ("A random 1..255, B random +-127",
           rng.integers(1, 256, (m, k)).astype(np.uint8), rng.integers(-127, 128, (k, n)).astype(np.int8))
    # rows as rowquant makes them: a Gaussian token row scaled so its largest entry is +-127
    x = rng.normal(0, 1, (m, k))
    a = (np.round(x / np.abs(x).max(axis=1, keepdims=True) * 127) + 128).astype(np.uint8)
    w = rng.normal(0, 1, (k, n))
    yield "A rowquant-like, B per-column +-127", a, np.round(w / np.abs(w).max(axis=0) * 127).astype(np.int8)


def matmul_integer(a, b, b_zero_point=None):
    """onnxruntime's `MatMulInteger` of A (zero point 128) by the constant B, one intra-op thread."""
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    inputs = ["a", "b", "a_zp"] + (["b_zp"] if b_zero_point is not None else [])
    inits = [numpy_helper.from_array(b, "b"), numpy_helper.from_array(np.uint8(128), "a_zp")]
    if b_zero_point is not None:
        inits.append(numpy_helper.from_array(np.asarray(b_zero_point, b.dtype), "b_zp"))
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", inputs, ["y"])], "probe",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, ["m", a.shape[1]])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, ["m", b.shape[1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"a": a})[0]


def probe(shapes=((1, 256, 16), (8, 256, 64), (30, 384, 384))) -> list[dict]:
    """For each shape and case: the largest |onnxruntime − exact| of the int32 product and how many
    entries differ, for int8 weights (`u8s8`) and for the same weights stored uint8 + 128 (`u8u8`)."""
    import numpy as np

    rows = []
    for m, k, n in shapes:
        for name, a, b in _cases(m, k, n):
            exact = (a.astype(np.int64) - 128) @ b.astype(np.int64)
            for kind, got in (("u8s8", matmul_integer(a, b)),
                              ("u8u8", matmul_integer(a, (b.astype(np.int16) + 128).astype(np.uint8), 128))):
                diff = np.abs(got.astype(np.int64) - exact)
                rows.append({"shape": f"{m}x{k}x{n}", "case": name, "kind": kind,
                             "max_abs_err": int(diff.max()), "wrong": int((diff > 0).sum()),
                             "max_abs_exact": int(np.abs(exact).max())})
    return rows


def cpu_features() -> dict:
    """What numpy's CPU dispatch sees (the same CPUID onnxruntime reads)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as features
    return {k: features[k] for k in ("AVX2", "AVX512F", "AVX512VNNI", "AVX512_SPR") if k in features}


def main(argv: list[str] | None = None) -> None:
    rows = probe()
    if argv is None:
        argv = sys.argv[1:]
    if "--json" in argv:
        print(json.dumps({"cpu": cpu_features(), "rows": rows}))
        return
    print("cpu:", cpu_features())
    for r in rows:
        print(f"{r['shape']:>11}  {r['kind']}  {r['case']:<36} max |err| {r['max_abs_err']:>7}"
              f"  wrong {r['wrong']:>6}  (max |exact| {r['max_abs_exact']})")


if __name__ == "__main__":
    main()
