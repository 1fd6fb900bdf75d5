"""Error reports (the DEBUG page, error mails) never show a vendor secret.

Django hides settings whose names look secret; this filter applies the same rule to every
variable of every frame, so a request body holding `appToken` or signed headers are shown
cleansed wherever an error happens, with no decorator to forget.
"""

from django.views.debug import SafeExceptionReporterFilter


class SecretsFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleanse_setting(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
