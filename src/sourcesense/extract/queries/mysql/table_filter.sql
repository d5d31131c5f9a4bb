(%(include_table)s IS NULL OR COL REGEXP %(include_table)s)
  AND (%(exclude_table)s IS NULL OR COL NOT REGEXP %(exclude_table)s)
  AND (%(scope_tables)s IS NULL OR COL REGEXP %(scope_tables)s)
