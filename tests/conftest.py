import functools
import os

from hypothesis import HealthCheck, settings
from streamlit.components.v2 import manifest_scanner

# A server scans the installed packages for component manifests once, at its start; AppTest
# scans them again for every new AppTest (most of a short app test's CPU): once per test
# process here, as a server does. The scan's result is the same: nothing installs a package
# with a component manifest while the tests run.
manifest_scanner.scan_component_manifests = functools.lru_cache(maxsize=1)(manifest_scanner.scan_component_manifests)

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
