"""The ground of the project: what every app may use and that knows none of them.

StreamField blocks shared by page types, the "final once published" rule of versioned texts, file responses
for exports, the admin glue that makes Wagtail's views ask each model's permission policy, the Métropole's
identity as the apps above provide it, and the 503 answered when a service the site stands on is down. Nothing
here imports an app of the project (`.importlinter` checks it).
"""
