"""Institution policy: YAML rules (schema in rules/policy.schema.json), layering, waivers,
evaluation into findings."""
