#!/bin/sh
# Run once by the postgres image when it initialises an empty data directory (mounted into
# /docker-entrypoint-initdb.d by docker-compose.yml), as the superuser:
#   braintrial      owns the database and its tables; only the migrate service connects as it
#   braintrial_app  the web and worker processes; owns nothing (manage.py database_roles,
#                   run by migrate, grants it every table and the audit log only to add to)
# Neither is a superuser, nor may create roles or databases. docs/operations.md: why, and how
# to move a database made before this onto these roles.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE braintrial LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE braintrial_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
ALTER DATABASE braintrial OWNER TO braintrial;
ALTER SCHEMA public OWNER TO braintrial;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
