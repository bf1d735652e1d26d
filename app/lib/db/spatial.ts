/**
 * Spatial indexes per engine (ADR 119). SQLite keeps R*Tree virtual tables (`<name>_rtree` with
 * id, min_lng, max_lng, min_lat, max_lat), created by the migrations. On PostgreSQL the same names
 * answer the same queries:
 * - an R*Tree kept in step with a table by triggers becomes a VIEW over that table (nothing to keep
 *   in step), with a GiST index on the table's bounding box (PostGIS is not required);
 * - an R*Tree filled by the code itself becomes a plain table with the same columns and a GiST index.
 * Queries that only compare the five columns run unchanged on both (TODO issue 20: a box-overlap
 * helper so that PostgreSQL queries use the GiST index).
 */
/* The PostgreSQL DDL (views, tables, GiST indexes) is in db/postgres-ddl.ts, used by the migrations. */
export {}
