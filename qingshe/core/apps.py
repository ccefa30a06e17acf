from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qingshe.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Each app's `home.py` registers its home-page panels (see qingshe.core.home).
        autodiscover_modules("home")
        # Each app's `nav.py` registers its entries in the main navigation (see qingshe.core.nav).
        autodiscover_modules("nav")
        # Kept pages learn of every write to the tables they read (qingshe.core.page_cache).
        from qingshe.core import page_cache

        page_cache.connect()
