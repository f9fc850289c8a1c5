#!/usr/bin/env python3
"""Checks that JSON Lines are valid Singer messages, as the Singer spec describes them
(github.com/singer-io/getting-started, docs/SPEC.md), with the JSON Schema of each
message written out as explicit checks (python3's standard library has no jsonschema):

  SCHEMA  {type, stream: non-empty string, schema: {type: "object", properties: {NAME:
          {type: T or [T, ...], format?: "date" or "date-time"}}, required?: [NAME]},
          key_properties: [NAME],
          bookmark_properties?: [NAME]}
  RECORD  {type, stream: a stream whose SCHEMA came before, record: object,
          version?: integer, time_extracted?: an RFC 3339 date-time}
  STATE   {type, value: any JSON}

and, across messages, that every record's keys are properties of its stream's schema,
every value is of a type the property declares (a string of a property with a format
in that format: YYYY-MM-DD, or an RFC 3339 date-time), and required and key properties have
values. Reads the files named (or standard input); prints each problem as
"NAME:LINE: what" on standard error and exits 1 if there was any.
"""
import datetime
import json
import re
import sys

# RFC 3339 section 5.6's date-time: a T (or t) between date and time, seconds with
# optional fractions, an offset or Z.
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
FORMATS = {"date", "date-time"}


def is_in_format(text, name):
    """Whether the string is a real date ("date") or RFC 3339 date-time ("date-time")."""
    pattern = DATE if name == "date" else DATE_TIME
    if not isinstance(text, str) or not pattern.match(text):
        return False
    try:
        datetime.date.fromisoformat(text[:10])
        hour, minute, second = (int(text[11:13]), int(text[14:16]), int(text[17:19])) \
            if name == "date-time" else (0, 0, 0)
    except ValueError:
        return False
    return hour < 24 and minute < 60 and second < 61

JSON_TYPES = {"null", "boolean", "integer", "number", "string", "object", "array"}
MESSAGE_MEMBERS = {
    "SCHEMA": ({"type", "stream", "schema", "key_properties"}, {"bookmark_properties"}),
    "RECORD": ({"type", "stream", "record"}, {"version", "time_extracted"}),
    "STATE": ({"type", "value"}, set()),
    "ACTIVATE_VERSION": ({"type", "stream", "version"}, set()),
}


def is_of_type(value, name):
    """JSON Schema's type names over the values json.loads makes."""
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    return isinstance(value, list)


def is_name_list(value, names=None):
    return (isinstance(value, list) and all(isinstance(n, str) for n in value)
            and len(set(value)) == len(value) and (names is None or set(value) <= names))


def property_types(prop):
    """The list of type names a property declares, or None when it is not well formed."""
    if not isinstance(prop, dict):
        return None
    declared = prop.get("type")
    types = [declared] if isinstance(declared, str) else declared
    if (not isinstance(types, list) or not types or not is_name_list(types)
            or not set(types) <= JSON_TYPES):
        return None
    return types


def check_schema(message, problem):
    schema = message["schema"]
    if not isinstance(message["stream"], str) or not message["stream"]:
        return problem("SCHEMA: stream is not a non-empty string")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return problem("SCHEMA: schema is not an object schema ({\"type\": \"object\"})")
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        return problem("SCHEMA: schema.properties is not a non-empty object")
    declared, formats = {}, {}
    for name, prop in properties.items():
        types = property_types(prop)
        if types is None:
            problem(f"SCHEMA: property {name!r}: type is not a JSON Schema type or list of them")
        declared[name] = types or []
        if isinstance(prop, dict) and "format" in prop:
            if prop["format"] not in FORMATS or "string" not in declared[name]:
                problem(f"SCHEMA: property {name!r}: format {json.dumps(prop['format'])} "
                        "is not date or date-time of a string")
            else:
                formats[name] = prop["format"]
    names = set(properties)
    if not is_name_list(message["key_properties"], names):
        problem("SCHEMA: key_properties is not a list of distinct property names")
    if "required" in schema and not is_name_list(schema["required"], names):
        problem("SCHEMA: schema.required is not a list of distinct property names")
    if "bookmark_properties" in message and not is_name_list(message["bookmark_properties"], names):
        problem("SCHEMA: bookmark_properties is not a list of property names")
    keys = message["key_properties"] if is_name_list(message["key_properties"]) else []
    required = schema.get("required", []) if is_name_list(schema.get("required", [])) else []
    return {"types": declared, "formats": formats, "must_have": set(keys) | set(required)}


def check_record(message, schemas, problem):
    stream, record = message["stream"], message["record"]
    if not isinstance(stream, str):
        return problem("RECORD: stream is not a string")
    if stream not in schemas:
        return problem(f"RECORD of stream {stream!r} before its SCHEMA")
    if not isinstance(record, dict):
        return problem("RECORD: record is not an object")
    if "version" in message and not is_of_type(message["version"], "integer"):
        problem("RECORD: version is not an integer")
    if "time_extracted" in message and not is_in_format(message["time_extracted"], "date-time"):
        problem("RECORD: time_extracted is not an RFC 3339 date-time")
    schema = schemas[stream]
    for name, value in record.items():
        types = schema["types"].get(name)
        if types is None:
            problem(f"RECORD of {stream}: {name!r} is not a property of its schema")
        elif not any(is_of_type(value, t) for t in types):
            problem(f"RECORD of {stream}: {name!r} = {json.dumps(value)} is not {' or '.join(types)}")
        elif isinstance(value, str) and name in schema["formats"] \
                and not is_in_format(value, schema["formats"][name]):
            problem(f"RECORD of {stream}: {name!r} = {json.dumps(value)} is not a {schema['formats'][name]}")
    for name in sorted(schema["must_have"]):
        if record.get(name) is None:
            problem(f"RECORD of {stream}: key or required property {name!r} has no value")


def check_lines(name, lines, problems):
    schemas = {}
    for number, line in enumerate(lines, 1):
        def problem(text, number=number):
            problems.append(f"{name}:{number}: {text}")
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError as error:
            problem(f"not JSON: {error}")
            continue
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in MESSAGE_MEMBERS:
            problem(f"not a Singer message: type {json.dumps(kind)}")
            continue
        required, optional = MESSAGE_MEMBERS[kind]
        if not required <= set(message):
            problem(f"{kind}: missing {', '.join(sorted(required - set(message)))}")
            continue
        if not set(message) <= required | optional:
            problem(f"{kind}: unknown members {', '.join(sorted(set(message) - required - optional))}")
        if kind == "SCHEMA":
            schema = check_schema(message, problem)
            if schema:
                schemas[message["stream"]] = schema
        elif kind == "RECORD":
            check_record(message, schemas, problem)


def main(names):
    problems = []
    for name in names or ["-"]:
        if name == "-":
            check_lines("-", sys.stdin.read().split("\n"), problems)
        else:
            with open(name, encoding="utf-8") as f:
                check_lines(name, f.read().split("\n"), problems)
    for text in problems:
        print(f"singer_check: {text}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
