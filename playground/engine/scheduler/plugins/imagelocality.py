"""ImageLocality: nodes that already have the pod's images score higher, by image size
scaled by how widely each image has spread, between 23 MB and 1000 MB per container."""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter, contains

from playground.engine.scheduler.framework import MAX_NODE_SCORE, SCORE, Plugin

MIN_THRESHOLD = 23 * 1024 * 1024
MAX_CONTAINER_THRESHOLD = 1000 * 1024 * 1024
_IMAGES = attrgetter("images")


class ImageLocality(Plugin):
    name = "ImageLocality"
    extension_points = (SCORE,)

    def _present(self, state) -> list[str]:
        image_nodes = self.handle.image_nodes
        return [img for img in state.needs.images if image_nodes.get(img)]

    def uniform(self, state, pod, nodes) -> bool:
        # Every node scores the same when each of the pod's images is on no node or on
        # all of them (a big cluster once the image has spread everywhere).
        image_nodes = self.handle.image_nodes
        total = len(self.handle.nodes)
        return all(image_nodes.get(img, 0) in (0, total) for img in state.needs.images)

    def _contribution(self, state) -> dict[str, float]:
        cached = state.get(self.name)
        if cached is None:
            from playground.engine import images as catalogue

            total_nodes = len(self.handle.nodes) or 1
            image_nodes = self.handle.image_nodes
            cached = state[self.name] = {
                image: catalogue.info(image).size * image_nodes[image] / total_nodes
                for image in self._present(state)
            }
        return cached

    def _scaled(self, state, score: float) -> int:
        low, high = MIN_THRESHOLD, MAX_CONTAINER_THRESHOLD * len(state.needs.images)
        return int(MAX_NODE_SCORE * (min(max(score, low), high) - low) / (high - low))

    def score(self, state, pod, info) -> int:
        if not state.needs.images:
            return 0
        contribution = self._contribution(state)
        return self._scaled(state, sum(v for image, v in contribution.items() if image in info.images))

    def score_nodes(self, state, pod, nodes):
        if not state.needs.images:
            return [0] * len(nodes)
        contribution = self._contribution(state)
        if len(contribution) == 1:  # the usual case: one image, two possible scores
            [(image, value)] = contribution.items()
            hit, miss = self._scaled(state, value), self._scaled(state, 0)
            has_image = map(contains, map(_IMAGES, nodes), repeat(image))
            return list(map((miss, hit).__getitem__, has_image))
        return [self.score(state, pod, info) for info in nodes]
