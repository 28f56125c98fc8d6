import sys

from config import wagtail_2fa_compat

# wagtail-2fa 1.8 imports a module Wagtail 8 removed: see config/wagtail_2fa_compat.py.
sys.modules.setdefault("wagtail.users.widgets", wagtail_2fa_compat)
