#!/usr/bin/env python3
"""Validates a Compose file against the Compose specification's JSON schema.

usage: check-compose.py COMPOSE_FILE SCHEMA_JSON
Prints each violation with its path and exits 1 when there is any, 0 when the file is valid.
Needs PyYAML and jsonschema (scripts/test installs them with pip when missing).
"""
import json
import sys

import jsonschema
import yaml


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    compose_path, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(compose_path, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    # The Compose schema says draft-07 (with a $schema URL that jsonschema does not recognise).
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        print(f"{compose_path}: {where}: {error.message}")
    if not errors:
        print(f"{compose_path}: valid against {schema_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
