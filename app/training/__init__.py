"""Training and awareness (issue 21): programmes, completions, phishing results, quizzes."""

import models.training  # noqa: F401  (registers the trn_ tables on the shared metadata)
