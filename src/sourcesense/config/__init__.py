"""Sources as code: a YAML file naming sources, their scope, options, outputs and schedules.

`load.load_config` reads and validates the file (every error names its file, line and field),
`build.extraction_input` turns one source into a workflow input, `run.run_sources` runs them,
and `schedules` keeps the Temporal Schedules in step with the file.
"""
