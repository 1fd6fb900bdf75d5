"""Two-factor (TOTP, with recovery codes) for people who manage credentials and accounts in
admin after signing in with a local password, on django-otp.

`policy` says which pages need it and for whom, `middleware` sends such a request to enrolment
or verification first, `views` are those pages. A company sign-in (SSO) is not asked again: the
company's provider is where its second factor lives. README "Sign-in".
"""
