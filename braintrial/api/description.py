"""The API's description in its OpenAPI schema (read by settings: plain text, no Django)."""

API_DESCRIPTION = (
    "Studies, items, participants, trials, model scores and analyses of braintrial, for "
    "researchers (token or session login; each researcher sees the studies that name them). "
    "Lists are paginated (`limit`, `offset`) and take `?study=<slug>` and "
    "`?updated_since=<ISO 8601 date-time>` for incremental pulls. One endpoint per operation: "
    "reads are GET on the collection, writes POST to `.../create/` or `.../start/`. The same "
    "data as CSV files: `/exports/<slug>/trials.csv` and others, documented at "
    "`/exports/dictionary/`."
)
