"""Company sign-in: OpenID Connect (authorization code with PKCE) through mozilla-django-oidc.

`config` reads the settings, `provider` finds and checks the provider's endpoints, `claims`
turns what the provider says into a username and SupportDesk groups, `backend` signs people in
and maps their groups at every sign-in, `views` are the pages around it, and `method` records
how each session signed in (for the audit log and the second factor). README "Sign-in".
"""
