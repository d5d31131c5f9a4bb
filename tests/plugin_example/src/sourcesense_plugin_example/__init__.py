"""An example plugin: writes one line per table, `schema.table<TAB>kind`, to tables.tsv."""

from __future__ import annotations

import pyarrow.parquet as pq

from sourcesense.transform.context import TransformContext, TransformOutput


def transform(ctx: TransformContext) -> TransformOutput:
    relations = pq.read_table(ctx.run_dir / "raw" / "relations.parquet").to_pylist()
    lines = [f"{r['schema_name']}.{r['table_name']}\t{r['kind']}" for r in relations]
    (ctx.out_dir / "tables.tsv").write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
    return TransformOutput(files=1, entities=len(lines))
