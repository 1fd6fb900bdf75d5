"""The JSON API (`/api/v1/`): the lookups of the pages for helpdesks and scripts, with tokens.

The same services, per-person limit, failure table and audit log as the pages; answers are built
from the pages' presenters so both say the same thing. The contract (paths, fields, error codes)
is in the README's Integrations section and the OpenAPI schema at `/api/v1/schema/`.
"""
