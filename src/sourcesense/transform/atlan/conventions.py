"""The Atlan output's conventions, as docs/OUTPUT.md states them (output_docs appends this)."""

from __future__ import annotations

ATLAN_CONVENTIONS = """
## transformed/atlan/<typeName>/entities.json

One Atlan entity per line, `{"typeName", "attributes"}` (and `classifications` for tagged
columns), with attribute names as pyatlan's models define them; parents and lineage ends are
referenced as `{"typeName", "uniqueAttributes": {"qualifiedName"}}`. Written parents before
children: Database, Schema, Table / View / MaterialisedView / TablePartition, Column, Process,
ColumnProcess, Procedure / Function.

qualifiedNames (`<connection>` is `--atlan-connection`, by default `default/postgres/<epoch
seconds of the first run of the scope>`, `default/mysql/...` for MySQL and MariaDB, whose
`<database>` is the catalog `def` and whose databases are the schemas, as Atlan's MySQL
crawler names them):

| asset | qualifiedName |
|---|---|
| Database | `<connection>/<database>` |
| Schema | `<connection>/<database>/<schema>` |
| Table, View, MaterialisedView, TablePartition | `<schema qualifiedName>/<name>` (1) |
| Column | `<qualifiedName of its table, view, materialised view or partition>/<column>` |
| Procedure | `<schema qualifiedName>/_procedures_/<name>` (2) |
| Function | `<schema qualifiedName>/<name>` (3) |
| Process | `<connection>/<md5 hex of the view's qualifiedName>` |
| ColumnProcess | `<connection>/<md5 hex of the view column's qualifiedName>` |

(1) partitions sit flat at table level. (2) as pyatlan's `Procedure.creator` builds it; a
MySQL event is a Procedure with `subType` `event`.
(3) directly under the schema, as Atlan's SQL crawlers place functions: pyatlan has no
Function creator, and no `_functions_` segment (which earlier versions wrote).
An overloaded routine name gets its argument types appended, `name(integer, text)`.
Process and ColumnProcess names are what pyatlan's `Process.Attributes.generate_qualified_name`
returns when given a `process_id` (here the MD5 of the output's qualifiedName), so a view
keeps its processes from run to run.

- **View lineage**: one `Process` per view and materialised view (inputs: the relations it
  reads, outputs: the view) and one `ColumnProcess` per view column with sources (inputs: the
  source columns, outputs: the view column, `process`: the view's Process), from the `view`
  edges of lineage/edges.parquet. Sources outside the run (filtered out) are left out, as Atlan
  refuses references to assets it does not have; a view with none left gets no Process.
- **Partitions**: a `TablePartition` has `tableName`/`tableQualifiedName` (the partitioned
  table it belongs to) and `parentTable` or, sub-partitioned, `parentTablePartition`; its
  columns (those of its partitioned table) sit under it (`tablePartition`).
- **Every entity** has `connectorName` (`postgres`, or `mysql`), `connectionName`
  (`--atlan-connection-name`, transform option `atlan_connection_name`; default
  `<connector> <host>`),
  `connectionQualifiedName`, `lastSyncRun` (the run id), `lastSyncRunAt` (its start, epoch
  milliseconds) and `lastSyncWorkflowName` (`sourcesense`). Lines copied from the previous run
  by an incremental run carry this run's sync attributes.
- **Row-level security and view options**: pyatlan's models have no attribute for them, so
  they are Atlas custom attributes, the entity's `customAttributes` beside `attributes`
  (strings), only where something is set: `rowLevelSecurity` (`enabled` | `forced`),
  `policyCount`, `policy_1`, `policy_2`, ... (by name) each `name: AS PERMISSIVE FOR SELECT TO
  role, ... USING (expr) WITH CHECK (expr)`, cut to Atlas's default 500 characters (ending in
  `…`); on views `securityBarrier`, `securityInvoker` (`true`) and `checkOption` (`local` |
  `cascaded`). Constraint attributes (NOT ENFORCED, temporal keys, NULLS NOT DISTINCT,
  ON DELETE SET NULL columns) have no place in either model: they are in raw/constraints.parquet.
- **Owners and counts**: `sourceCreatedBy` is the owning role (databases, schemas, relations,
  routines); `Database.schemaCount`, `Schema.tableCount`/`viewsCount`; `rowCount` only where
  the planner has an estimate (not before the first ANALYZE, not for views).
- **Profiles** (quality/column_profiles.parquet): `columnMin`/`columnMax` (numbers in Atlan)
  only for numeric types (smallint, integer, bigint, numeric, real, double precision), as
  numbers; other types' sampled bounds (text, dates, timestamps, booleans, enums, inet...) go
  to `columnMins`/`columnMaxs` (Atlan's sets of strings), as the text the profile holds, so
  `'02100'` stays `'02100'`; NaN and infinities are left out. Also `columnMean`,
  `columnStandardDeviation`, `columnAverageLength`, `columnMinimumStringLength`,
  `columnMaximumStringLength`, `columnDistinctValuesCountLong`, `columnMissingValuesCountLong`,
  `columnMissingValuesPercentage`. Sampled values are written only as the profile file holds
  them: what quality leaves out or masks for PII columns never reaches Atlan.
- **PII tags**: a column classified as PII carries the class's Atlan tag in `classifications`
  (pyatlan's `atlan_tags`), `[{"typeName": "<tag name>"}]`. Defaults: email `PII Email`,
  phone `PII Phone`, person_name `PII Person Name`, address `PII Address`, card_number
  `PII Card Number`, national_id `PII National ID`; `--atlan-pii-tags
  'email=Personal Email,phone='` (transform option `atlan_pii_tags`) renames or (empty) drops
  a class's tag. The tags must exist in
  Atlan before the entities are posted.
"""
