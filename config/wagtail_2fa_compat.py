"""Stands in for `wagtail.users.widgets`, which Wagtail 8 removed and wagtail-2fa 1.8 still imports.

wagtail-2fa's hooks import `UserListingButton` from it (labd/wagtail-2fa#283): in Wagtail 8 that button is
`wagtail.admin.widgets.ListingButton`. Registered under the old name by `config/__init__.py`; remove both once a
wagtail-2fa release imports the new name (`tests/config/test_second_factor.py` says when).
"""


def __getattr__(name):
    # Imported on first use, once Django's apps are loaded (Wagtail imports every app's hooks after that).
    if name == "UserListingButton":
        from wagtail.admin.widgets import ListingButton

        return ListingButton
    raise AttributeError(name)
