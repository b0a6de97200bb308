"""The mesh members the direct tests of the request-taking steps use: the offline mesh's accounts."""

from lakegate.requests.mesh import MeshMembers
from lakegate_offline.mesh import CENTRAL_ACCOUNT, CONSUMER_ACCOUNT, PRODUCER_ACCOUNT

MESH = MeshMembers.of(CENTRAL_ACCOUNT, consumers=[CONSUMER_ACCOUNT], producers=[PRODUCER_ACCOUNT])
