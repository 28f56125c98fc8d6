"""Operations on processes and contributions, shared by the public views, the admin, commands and demo data.

None of them knows about requests: views pass in what they read from one. One module per concern:
`processes`, `contributions` (submit and confirm), `moderation` (decisions, reports, appeals), `events`,
`abuse` (rate limits, client fingerprints), `emails`, `personal_data`.
"""


class Refused(Exception):
    """A citizen's request refused, with a message in French to show them."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
