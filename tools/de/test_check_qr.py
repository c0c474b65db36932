"""Gate for tools/de/check_qr.py (testdata/de/README.md): it must accept every line of
testdata/de/qr-valid.txt, rebuild the golden Finish DTBS byte for byte, and reject one-byte
changes. Runs with pytest or as a plain script. The vectors are read from the repository's
testdata/de/."""

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
CHECKER = HERE / "check_qr.py"
VECTORS = HERE.parent.parent / "testdata" / "de"

sys.path.insert(0, str(HERE))
import check_qr  # noqa: E402


def vector_lines():
    lines = (VECTORS / "qr-valid.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5, "qr-valid.txt has five payloads"
    return lines


def golden():
    values = {}
    for line in (VECTORS / "dtbs-golden.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def run(lines):
    """Runs the checker as a separate process on `lines` via stdin."""
    out = subprocess.run(
        [sys.executable, str(CHECKER)],
        input="".join(f"{line}\n" for line in lines).encode("utf-8"),
        capture_output=True,
        check=False,
    )
    return out.returncode, out.stdout.decode("utf-8").splitlines()


def field_span(line, index):
    """Character range of field `index` (0-based) of a QR line."""
    starts = [0] + [i + 1 for i, c in enumerate(line) if c == ";"]
    end = starts[index + 1] - 1 if index + 1 < len(starts) else len(line)
    return range(starts[index], end)


def one_byte_changes(line):
    """Every single-byte change (XOR 1, ASCII stays ASCII) outside field 7: the Start time is not
    part of the Finish signature (de-tse.md 7.3), so no QR checker can catch a change there."""
    start_time = field_span(line, 6)
    for i in range(len(line)):
        if i not in start_time:
            yield line[:i] + chr(ord(line[i]) ^ 1) + line[i + 1:]


def readme_changes(line):
    """vectors/de/README.md, qr-valid.txt step 4."""
    f = line.split(";")
    data = f[:]
    data[3] = ("C" if f[3][0] == "B" else "j") + f[3][1:]
    counter = f[:]
    counter[5] = str(int(f[5]) + 1)
    yield ";".join(data)
    yield ";".join(counter)
    for delta in (-1, 1):
        t = check_qr.unix_seconds(f[7], "finish") + delta
        moved = f[:]
        moved[7] = check_qr.datetime.datetime.fromtimestamp(t, check_qr.datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
        moved[6] = min(f[6], moved[7])
        yield ";".join(moved)


def test_every_vector_is_ok():
    code, out = run(vector_lines())
    assert code == 0, out
    assert len(out) == 5 and all(o.startswith("OK ") for o in out), out
    assert out[4].endswith("P-256") and all(o.endswith("brainpoolP384r1") for o in out[:4]), out


def test_golden_finish_dtbs_is_rebuilt_byte_for_byte():
    g = golden()
    assert g["qr"] == vector_lines()[1]
    assert check_qr.finish_dtbs(g["qr"].split(";")).hex() == g["finish.dtbs_hex"]


def test_every_one_byte_change_fails():
    lines = vector_lines()
    changed = [c for line in lines for c in list(one_byte_changes(line)) + list(readme_changes(line))]
    assert len(changed) == sum(len(line) - len(field_span(line, 6)) + 4 for line in lines)
    code, out = run(changed)
    assert code == 1
    assert len(out) == len(changed)
    accepted = [(o, c) for o, c in zip(out, changed) if not o.startswith("FAIL ")]
    assert not accepted, accepted[:3]


def test_mixed_input_reports_each_line_and_fails():
    lines = vector_lines()
    code, out = run([lines[0], lines[1].replace(";875;", ";876;")])
    assert code == 1
    assert out[0].startswith("OK 1:") and out[1].startswith("FAIL 2: signature does not verify"), out


def test_no_input_is_an_error():
    assert run([])[0] == 2


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
            print(f"ok {name}")
