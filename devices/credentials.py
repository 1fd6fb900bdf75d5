"""Why a lookup found no vendor credential to call with."""


class CredentialNotFound(Exception):
    """No enabled credential fits the lookup."""


class NoCredential(CredentialNotFound):
    def __init__(self) -> None:
        super().__init__("No vendor credential is configured or enabled.")


class UnknownCredential(CredentialNotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no enabled vendor credential named {name!r}.")
        self.name = name
