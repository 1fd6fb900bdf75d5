"""Django admin: the audit log, vendor credentials, the vendor budget meter, and who signs in
with the company's provider.

Django's autodiscovery imports this package, which registers the ModelAdmins. One module per
admin area (`lookups`, `credentials`, `meter`, `identities`), and beside them what keeps the
audit log fast and safe at a million rows: `changelist` (query strings the database cannot
take), `paging` (the estimated count), `date_hierarchy` (date links from indexed ranges) and
`export` (the CSV stream and its formula guard).
"""

from django.contrib import admin

from devices.admin.credentials import CredentialAdmin
from devices.admin.identities import SsoIdentityAdmin
from devices.admin.lookups import LookupAdmin
from devices.models import Credential, Lookup, SsoIdentity

admin.site.register(Lookup, LookupAdmin)
admin.site.register(Credential, CredentialAdmin)
admin.site.register(SsoIdentity, SsoIdentityAdmin)
