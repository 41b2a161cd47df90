"""What the scanned product is, as the licence engine and the command line name it: its own
licence (proprietary unless said otherwise) and how it reaches people. Kept apart from the
licence engine so that the command line can offer them without loading it."""

from __future__ import annotations

from enum import StrEnum

PROPRIETARY = "LicenseRef-fincomp-proprietary"


class Distribution(StrEnum):
    INTERNAL_USE = "internal-use"
    NETWORK_SERVICE = "network-service"
    DISTRIBUTED_BINARY = "distributed-binary"
    DISTRIBUTED_SOURCE = "distributed-source"
    MOBILE_APP = "mobile-app"

    @property
    def distributes(self) -> bool:
        return self in (Distribution.DISTRIBUTED_BINARY, Distribution.DISTRIBUTED_SOURCE,
                        Distribution.MOBILE_APP)
