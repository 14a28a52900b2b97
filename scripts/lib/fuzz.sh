# The API fuzz step's tool: schemathesis from PyPI, pinned, installed with pip into the python3 on
# PATH (as PyYAML and jsonschema are). Sourced, not executed.
fuzz_python=${BREAKOUT_FUZZ_PYTHON:-python3}
fuzz_schemathesis_version=4.32.5

fuzz_ready() {
    [ "$("$fuzz_python" -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" = "$fuzz_schemathesis_version" ]
}

fuzz_ensure_installed() {
    if fuzz_ready; then return 0; fi
    echo "==> installing schemathesis $fuzz_schemathesis_version for the API fuzz step"
    "$fuzz_python" -m pip install --quiet "schemathesis==$fuzz_schemathesis_version" && fuzz_ready
}
