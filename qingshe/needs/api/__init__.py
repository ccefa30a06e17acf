"""The needs app's API: one router per part, gathered into the one `router` that
qingshe/api/v1 mounts. Paths are full ("/needs/{need_id}/verify")."""

from ninja import Router

from qingshe.needs.api import dispatch, needs, projects, resources

router = Router()
for _part in (projects, resources, needs, dispatch):
    router.add_router("", _part.router)
