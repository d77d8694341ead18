#!/usr/bin/env python3
"""Validates YAML files against campaignc's JSON Schemas, or a JSON file against a given schema.

    validate_schemas.py FILE...                 each FILE against its kind's schema in schemas/
    validate_schemas.py --schema S.json FILE    one JSON file against schema S (SARIF output, for one)

Prints one JSON object: {"FILE": ["error", ...], ...}; an empty list means valid. YAML is read with the
YAML 1.2 core scalars that editors use (dates stay strings, only true/false are booleans).
"""
import json
import re
import sys
from pathlib import Path

import jsonschema
import yaml

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


class CoreLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's timestamps, sexagesimals and yes/no booleans."""


CoreLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers
          if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                         "tag:yaml.org,2002:float")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]*\.[0-9]+$"), list("-+.0123456789"))


def kind(path: Path, document) -> str:
    if path.name in ("workspace.yaml", "workspace.yml"):
        return "workspace"
    if path.parent.name == "tests" or (isinstance(document, dict) and "cases" in document):
        return "scenario"
    return "campaign"


def errors(schema, document):
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document))


def main(argv):
    results = {}
    if argv[:1] == ["--schema"]:
        schema = json.loads(Path(argv[1]).read_text())
        for name in argv[2:]:
            results[name] = errors(schema, json.loads(Path(name).read_text()))
    else:
        schemas = {k: json.loads((SCHEMAS / f"{k}.schema.json").read_text()) for k in ("campaign", "workspace", "scenario")}
        for name in argv:
            path = Path(name)
            document = yaml.load(path.read_text(), Loader=CoreLoader)
            results[name] = errors(schemas[kind(path, document)], document)
    json.dump(results, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
