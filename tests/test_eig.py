"""tf.linalg.eig, eigvals, sqrtm and logm, pinned to TF 2.21.

Every expected value below was printed by TF 2.21 (float64 unless stated);
run with ``TAPEFLOW_TEST_ORACLE=tensorflow`` under TF to check them again.
Eigenvectors are compared through phase-free quantities: TF's phases (Eigen's
complex Schur vectors) are not NumPy's.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from oracle import ORACLE, InvalidArgumentError, c, raises, tf

A3 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]  # real eigenvalues
R3 = [[0.0, -1.0, 0.5], [1.0, 0.0, 0.2], [0.3, 0.1, 2.0]]  # a complex pair
C2 = [[1 + 1j, 2], [3j, 4 - 1j]]
S3 = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.3, 0.1, 2.0]]
W3 = [[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [0.7, 0.2, 0.05]]
SC3 = (np.array(S3) + 1j * np.array(W3)).tolist()

# Gradients printed by TF 2.21 (tape.gradient of the losses in the tests below).
GRAD_EV2 = {
    "A64": [[90, 198, 327],
            [108, 243, 402],
            [135, 306, 507]],
    "R64": [[-2.55, 0.18, 2.1],
            [0.149999999999999, -2.94, -0.300000000000002],
            [2.4, 2.69999999999999, 12.51]],
    "A32": [[90.0001220703125, 198.000045776367, 327.000061035156],
            [108.000152587891, 243.000106811523, 402.000183105469],
            [135.000213623047, 306.000152587891, 507.000244140625]],
    "C128": [[-4.9960036108132e-15-24j, 1.25607396694702e-15-45j],
            [30-4.32986979603811e-15j, 45+6j]],
}
GRAD_EABS = {
    "A64": [[-0.687493162357103, 0.166930208274201, 0.960687701874588],
            [-0.225100974660468, 1.02226743990495, 0.128149697350022],
            [0.588046774402005, -0.0581707663862675, 0.665225722452155]],
    "R64": [[0.00126614000969385, -0.944845549617591, 0.119726455378384],
            [1.00987460127302, -0.0755863755830864, -0.157148913829718],
            [-0.0172194132207906, 0.335992688894856, 1.00832370542545]],
    "A32": [[-0.687492787837982, 0.166929125785828, 0.960687935352325],
            [-0.225100517272949, 1.02226722240448, 0.12814949452877],
            [0.588046908378601, -0.0581704564392567, 0.665225446224213]],
    "C128": [[1.22633734373827-0.536310218791254j, 0.778845843827587+0.25619484359294j],
            [-0.170796562395293+0.519230562551725j, 0.450911937593607+0.0717390626410394j]],
}
GRAD_VABS = {
    "A64": [[-0.0889755987970222, 0.0531826400783373, -0.0191150045034586],
            [0.182063371082599, -0.0509264328781454, -0.127232653201434],
            [-0.117409445233775, -0.0309280335869497, 0.139902031675168]],
    "R64": [[-0.0609710494395544, -0.0577041943149804, -0.303626279087883],
            [-0.0183950354091923, -0.0237004193351956, -0.126439040938701],
            [-0.0989979045309893, -0.0185177736430977, 0.08467146877475]],
    "A32": [[-0.0889757722616196, 0.0531825684010983, -0.0191148594021797],
            [0.182063773274422, -0.0509263686835766, -0.127232924103737],
            [-0.117409572005272, -0.0309280883520842, 0.139902144670486]],
    "C128": [[-0.0756276040754876-0.0504184027169917j, -0.113441406113231-0.0756276040754877j],
            [0.0504184027169917+0.0336122684779945j, 0.0756276040754876+0.0504184027169917j]],
}
GRAD_MIX = {
    "A64": [[1.29923247723697, -0.0163759389564968, -0.0671662364745686],
            [0.339152486793127, 1.9480293443105, -0.564493274871573],
            [0.0746577393040216, 0.441776903611783, 3.04527960749717]],
    "R64": [[1.47260213326118, -1.98436705207045, -0.420986831774084],
            [1.96519082698464, 1.42407066762592, -0.317175861694767],
            [-0.119939621060115, 0.57370721211109, 3.04684113385777]],
    "A32": [[1.29923224449158, -0.0163770746439695, -0.067166306078434],
            [0.339153200387955, 1.94802951812744, -0.564494013786316],
            [0.0746576562523842, 0.441777020692825, 3.04527974128723]],
    "C128": [[3.12744651797906-1.04324078288575j, 2.19116977696859+1.43513882567137j],
            [-0.956759217114246+2.19549385525717j, 0.0648611743286299+1.04324078288575j]],
}
GRAD_SQ = {
    "S64": [[0.0691027619541286, -0.0717346459345339, 0.162731072817854],
            [0.0197420494239735, 0.123829365767352, -0.20798026785146],
            [0.199276727552883, 0.0480036599859618, 0.00673043028699363]],
    "S32": [[0.0691027566790581, -0.0717346295714378, 0.162731066346169],
            [0.0197420585900545, 0.12382934987545, -0.20798023045063],
            [0.199276745319366, 0.0480036772787571, 0.0067304284311831]],
    "SC128": [[0.0669999801953258-0.0210541072512862j, -0.0692108115488351+0.0116650137261462j,
     0.157669501714067-0.00465263375340672j],
            [0.022594268862967+0.011899816174655j, 0.120399099402929-0.02533915134714j,
             -0.206490660949755+0.00888153874323193j],
            [0.19400780418229-0.00312748152725949j, 0.0546331628495321+0.00926493136893908j,
             0.00476544420672392-0.0385649202817305j]],
}
GRAD_SQABS = {
    "S64": [[0.999558301375095, 6.66239737604282e-05, 0.0324382085850006],
            [-0.000454410788488838, 0.999914527796966, 0.0146098347215895],
            [-0.0323481046004659, -0.0145891737761788, 0.999201940531593]],
    "S32": [[0.999558210372925, 6.67327549308538e-05, 0.0324382372200489],
            [-0.000454534660093486, 0.999914586544037, 0.0146098304539919],
            [-0.0323481336236, -0.0145891765132546, 0.999201953411102]],
    "SC128": [[1.00071327854166+0.00103776728307446j, 0.0108712874794674-0.0495190426833979j,
     0.0327252083718387-0.0120486051324399j],
            [-0.0102811602757126+0.0545176962705545j, 1.01343141816781+0.000780327324754415j,
             0.00900385732538097-0.163283926165469j],
            [-0.0416465646188769+0.00824095313046713j, -0.00799396513223619+0.166775997882548j,
             1.0142002439087+0.00349354577843436j]],
}
SQRTM_S = [[1.97855603611063, 0.27011655449373, 0.143461455441209],
           [0.269857995164674, 1.71050795624936, 0.0516962769372354],
           [0.0865939919228391, 0.0245553418233338, 1.40936428226882]]
SQRTM_SC = [[1.98811061483293+0.0676620198154322j, 0.267806856453299-0.0706275926640519j,
 0.151009730916991+0.160963100428927j],
            [0.25875836315007+0.0165096331635906j, 1.7127142051025+0.12150850012128j,
             0.044033703711506-0.207570127987212j],
            [0.0908289491300376+0.199952799306508j, 0.0215721417720207+0.0479894027954551j,
             1.41688566842197+0.00266417170164143j]]
LOGM_SC = [[1.36259777843508+0.0586573678226058j, 0.288445482334758-0.0948579018882169j,
 0.185507017974575+0.209636315258882j],
           [0.266254776950659+0.00873232263621236j, 1.05715206523262+0.14905028908792j,
            0.0337576762914772-0.28385125133111j],
           [0.110087802015879+0.232414370502212j, 0.0153162968858364+0.0452545457875404j,
            0.700694282408919-0.0136100725522308j]]


def close(got, want, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=atol)


def sorted_values(e):
    return np.sort_complex(np.asarray(e).ravel())


def gradient(f, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def test_signatures() -> None:
    sig = {n: list(inspect.signature(getattr(tf.linalg, n)).parameters)
           for n in ("eig", "eigvals", "sqrtm", "logm")}
    assert sig["eig"] == sig["eigvals"] == ["tensor", "name"]
    assert sig["sqrtm"] == sig["logm"] == ["input", "name"]


def test_eig_values_vectors_and_dtypes() -> None:
    for dtype, out in [(tf.float32, tf.complex64), (tf.float64, tf.complex128),
                       (tf.complex64, tf.complex64), (tf.complex128, tf.complex128)]:
        e, v = tf.linalg.eig(c(A3, dtype))
        assert e.dtype == v.dtype == out and tf.linalg.eigvals(c(A3, dtype)).dtype == out
    for m in (A3, R3, C2):
        a = np.array(m, dtype=complex)
        e, v = tf.linalg.eig(c(m, tf.complex128))
        e, v = e.numpy(), v.numpy()
        close(sorted_values(e), sorted_values(np.linalg.eigvals(a)))
        close(a @ v, v * e[None, :], atol=1e-12)  # A v = v diag(e)
        close(np.linalg.norm(v, axis=0), np.ones(len(e)))  # unit columns
        close(sorted_values(tf.linalg.eigvals(c(m, tf.complex128)).numpy()), sorted_values(e))
    e, _ = tf.linalg.eig(c(R3))
    close(sorted_values(e.numpy()), [-0.03239513 - 0.98118746j, -0.03239513 + 0.98118746j,
                                     2.06479025 + 0j], rtol=1e-6)
    batch = np.random.RandomState(0).randn(2, 3, 3, 3)
    e, v = tf.linalg.eig(c(batch))
    assert e.shape == (2, 3, 3) and v.shape == (2, 3, 3, 3)
    close(batch @ v.numpy(), v.numpy() * e.numpy()[..., None, :], atol=1e-12)
    e, v = tf.linalg.eig(tf.zeros([2, 0, 0]))
    assert e.shape == (2, 0) and v.shape == (2, 0, 0) and e.dtype == tf.complex64


def test_eig_errors() -> None:
    for f in (tf.linalg.eig, tf.linalg.eigvals):
        raises(InvalidArgumentError, "Input matrix must be square.", "Eig", f, c(np.ones((2, 3))))
        raises(InvalidArgumentError, "must have rank >= 2, got 1", "Eig", f, c([1.0, 2.0]))
        for bad in (c([[1, 2], [3, 4]]), c([[1.0, 2.0], [3.0, 4.0]], tf.float16)):
            # TF's wrapper picks the output dtype by if/elif with no else.
            with pytest.raises(UnboundLocalError, match="out_dtype"):
                f(bad)


@pytest.mark.parametrize("case,matrix,dtype,rtol", [
    ("A64", A3, "float64", 1e-9), ("R64", R3, "float64", 1e-9),
    ("A32", A3, "float32", 1e-4), ("C128", C2, "complex128", 1e-9)])
def test_eig_gradients_as_tf(case, matrix, dtype, rtol) -> None:
    x = c(matrix, getattr(tf, dtype))
    real = x.dtype.real_dtype

    def ev3(a):  # a symmetric function of the eigenvalues: order-free
        e = tf.linalg.eigvals(a)
        return tf.math.real(tf.reduce_sum(e * e * e))

    def eabs(a):
        return tf.reduce_sum(tf.abs(tf.linalg.eig(a)[0]))

    def vabs(a):  # |v|^4: phase-free
        return tf.reduce_sum(tf.abs(tf.linalg.eig(a)[1]) ** 4)

    def mix(a):  # each column's |v|^2 weighted by its own eigenvalue
        e, v = tf.linalg.eig(a)
        rows = tf.constant([[1.0], [2.0], [3.0]][:a.shape[0]], real)
        return (tf.reduce_sum(tf.abs(v) ** 2 * rows * tf.math.real(e)[None, :])
                + tf.reduce_sum(tf.math.imag(e) ** 2))

    atol = 1e-4 if dtype == "float32" else 1e-12
    for f, want in [(ev3, GRAD_EV2), (eabs, GRAD_EABS), (vabs, GRAD_VABS), (mix, GRAD_MIX)]:
        g = gradient(f, x)
        assert g.dtype == x.dtype
        close(g.numpy(), want[case], rtol=rtol, atol=atol)


def test_eig_gradient_is_real_part_for_real_input_and_batched() -> None:
    batch = np.stack([np.array(A3), np.array(R3)])
    g = gradient(lambda a: tf.reduce_sum(tf.abs(tf.linalg.eig(a)[1]) ** 4), c(batch))
    close(g.numpy(), [GRAD_VABS["A64"], GRAD_VABS["R64"]], rtol=1e-9, atol=1e-12)


def test_sqrtm_values_dtypes_and_errors() -> None:
    for dtype in (tf.float32, tf.float64, tf.complex64, tf.complex128):
        r = tf.linalg.sqrtm(c(S3, dtype))
        assert r.dtype == dtype
        close(r.numpy(), SQRTM_S, rtol=1e-5 if dtype in (tf.float32, tf.complex64) else 1e-10)
    close(tf.linalg.sqrtm(c(SC3)).numpy(), SQRTM_SC)
    # eigenvalues +-i: a real root
    root = tf.linalg.sqrtm(c([[0.0, -1.0], [1.0, 0.0]], tf.float64)).numpy()
    close(root, np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2))
    jordan = c([[1.0, 1.0], [0.0, 1.0]], tf.float64)
    close(tf.linalg.sqrtm(jordan).numpy(), [[1.0, 0.5], [0.0, 1.0]])
    close(tf.linalg.sqrtm(c([[-1.0, 0.0], [0.0, 4.0]], tf.complex128)).numpy(),
          [[1j, 0], [0, 2]])
    assert np.isnan(tf.linalg.sqrtm(c([[-1.0, 0.0], [0.0, 4.0]], tf.float64)).numpy()).all()
    batch = np.stack([np.array(S3), 2 * np.eye(3)])
    r = tf.linalg.sqrtm(c(batch)).numpy()
    close(r[0], SQRTM_S)
    close(r[1], np.sqrt(2) * np.eye(3))
    close(r @ r, batch)
    assert tf.linalg.sqrtm(tf.zeros([2, 0, 0])).shape == (2, 0, 0)
    raises(InvalidArgumentError, "Input matrix must be square.", "MatrixSquareRoot",
           tf.linalg.sqrtm, c(np.ones((2, 3))))
    raises(InvalidArgumentError, "must have rank >= 2, got 1", "MatrixSquareRoot",
           tf.linalg.sqrtm, c([1.0, 2.0]))
    raises(InvalidArgumentError, "Value for attr 'T' of int32", "MatrixSquareRoot",
           tf.linalg.sqrtm, c([[1, 2], [3, 4]]))
    with pytest.raises(tf.errors.NotFoundError, match="Could not find device"):
        tf.linalg.sqrtm(c(S3, tf.float16))


@pytest.mark.parametrize("case,dtype,rtol", [
    ("S64", "float64", 1e-9), ("S32", "float32", 1e-4), ("SC128", "complex128", 1e-9)])
def test_sqrtm_gradients_as_tf(case, dtype, rtol) -> None:
    # TF's Sylvester rule uses R^T where the adjoint R^H is meant: for complex
    # matrices its values are pinned here as TF gives them.
    x = c(SC3 if case == "SC128" else S3, getattr(tf, dtype))
    w = tf.cast(c(W3), x.dtype)
    atol = 1e-5 if dtype == "float32" else 1e-12
    g = gradient(lambda a: tf.math.real(tf.reduce_sum(tf.linalg.sqrtm(a) * w)), x)
    assert g.dtype == x.dtype
    close(g.numpy(), GRAD_SQ[case], rtol=rtol, atol=atol)
    g = gradient(lambda a: tf.reduce_sum(tf.abs(tf.linalg.sqrtm(a)) ** 2), x)
    close(g.numpy(), GRAD_SQABS[case], rtol=rtol, atol=atol)


def test_logm_values_dtypes_errors_and_no_gradient() -> None:
    close(tf.linalg.logm(c(SC3)).numpy(), LOGM_SC)
    r = tf.linalg.logm(c(S3, tf.complex64))
    assert r.dtype == tf.complex64
    close(r.numpy()[0], [1.3402374, 0.2947207, 0.16760455], rtol=1e-5)
    close(tf.linalg.logm(c([[-1.0, 0.0], [0.0, 4.0]], tf.complex128)).numpy(),
          [[np.pi * 1j, 0], [0, np.log(4.0)]], atol=1e-15)
    close(tf.linalg.logm(c([[1.0, 1.0], [0.0, 1.0]], tf.complex128)).numpy(), [[0, 1], [0, 0]])
    assert np.isnan(tf.linalg.logm(c([[0.0, 1.0], [0.0, 1.0]], tf.complex128)).numpy()).all()
    batch = np.stack([np.array(SC3), np.eye(3, dtype=complex)])
    out = tf.linalg.logm(c(batch)).numpy()
    close(out[0], LOGM_SC)
    close(out[1], np.zeros((3, 3)))
    assert tf.linalg.logm(tf.zeros([2, 0, 0], tf.complex64)).shape == (2, 0, 0)
    for dtype in ("float", "double", "int32"):
        value = c([[1, 2], [3, 4]]) if dtype == "int32" else c(
            S3, tf.float32 if dtype == "float" else tf.float64)
        # (TF lists the allowed values as "complex64, complex128"; tapeflow sorts them)
        raises(InvalidArgumentError, f"Value for attr 'T' of {dtype} is not in the list of "
               "allowed values: complex", "MatrixLogarithm", tf.linalg.logm, value)
    raises(InvalidArgumentError, "Input matrix must be square.", "MatrixLogarithm",
           tf.linalg.logm, c(np.ones((2, 3)), tf.complex64))
    raises(InvalidArgumentError, "must have rank >= 2, got 1", "MatrixLogarithm",
           tf.linalg.logm, c([1.0, 2.0], tf.complex64))
    x = c(SC3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.abs(tf.linalg.logm(x)))
    with pytest.raises(LookupError, match="gradient registry has no entry for: MatrixLogarithm"):
        tape.gradient(y, x)


@pytest.mark.skipif(ORACLE, reason="tapeflow's optional extra: SciPy imported on first use")
def test_scipy_is_imported_lazily() -> None:
    import subprocess
    import sys
    code = "import tapeflow, sys; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
