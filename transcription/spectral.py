"""Spectral clustering of a precomputed affinity matrix, in NumPy.

What scikit-learn's `SpectralClustering(n_clusters=k, affinity="precomputed", random_state=0)` does, without
scikit-learn and SciPy (180 MB installed, for this one call): the eigenvectors of the k smallest eigenvalues of the
graph's normalised Laplacian, each divided by the square root of its node's degree (Shi and Malik's random-walk
embedding), then k-means on those k-dimensional points, best of ten k-means++ starts (Arthur and Vassilvitskii,
2007). transcription/tests/test_spectral.py checks that it cuts the test voices where scikit-learn does.

Sizes here are small (at most diarization.MAX_CLUSTER_WINDOWS points): a dense eigendecomposition of 1,500 x 1,500
takes about half a second on one core, so no sparse solver is needed.
"""

from __future__ import annotations

import numpy as np

KMEANS_STARTS = 10
KMEANS_MAX_ITERATIONS = 300


def spectral_labels(affinity: np.ndarray, clusters: int, *, seed: int = 0) -> np.ndarray:
    """A cluster number (0..clusters-1) per row of a symmetric, non-negative affinity matrix."""
    return kmeans(spectral_embedding(affinity, clusters), clusters, seed=seed)


def spectral_embedding(affinity: np.ndarray, dimensions: int) -> np.ndarray:
    """Points (n x dimensions): the normalised Laplacian's first eigenvectors, scaled back by the degrees."""
    adjacency = np.array(affinity, dtype=np.float64)
    np.fill_diagonal(adjacency, 0.0)  # a node's affinity to itself is no edge of the graph
    degree = adjacency.sum(axis=1)
    root = np.where(degree > 0, np.sqrt(degree), 1.0)  # an isolated node keeps scale 1, as SciPy's laplacian
    laplacian = -adjacency / root / root[:, None]
    np.fill_diagonal(laplacian, (degree > 0).astype(np.float64))
    _, vectors = np.linalg.eigh(laplacian)  # eigenvalues ascending
    embedding = vectors[:, :dimensions].T / root
    # Eigenvectors have no sign of their own: make each one's largest entry positive, so the result is fixed.
    signs = np.sign(embedding[np.arange(len(embedding)), np.argmax(np.abs(embedding), axis=1)])
    return np.asarray((embedding * np.where(signs == 0, 1.0, signs)[:, None]).T)


def kmeans(points: np.ndarray, clusters: int, *, seed: int = 0) -> np.ndarray:
    """Lloyd's k-means, the lowest-inertia labels of KMEANS_STARTS k-means++ starts (a seeded generator)."""
    rng = np.random.default_rng(seed)
    starts = [_lloyd(points, _plus_plus(points, clusters, rng)) for _ in range(KMEANS_STARTS)]
    return min(starts, key=lambda start: start[1])[0]


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.maximum(
        (points**2).sum(axis=1)[:, None] - 2.0 * points @ centres.T + (centres**2).sum(axis=1)[None, :], 0.0
    )


def _plus_plus(points: np.ndarray, clusters: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding with several candidates per centre (2 + log k), the candidate that lowers the potential
    most kept, as scikit-learn does."""
    trials = 2 + int(np.log(clusters))
    centres = [points[rng.integers(len(points))]]
    closest = _squared_distances(points, np.stack(centres))[:, 0]
    for _ in range(1, clusters):
        total = float(closest.sum())
        if total <= 0.0:  # every point sits on a centre already: any point will do
            candidates = rng.integers(len(points), size=trials)
        else:
            candidates = np.minimum(np.searchsorted(np.cumsum(closest), rng.random(trials) * total), len(points) - 1)
        through = np.minimum(closest[None, :], _squared_distances(points, points[candidates]).T)
        pick = int(np.argmin(through.sum(axis=1)))
        centres.append(points[candidates[pick]])
        closest = through[pick]
    return np.stack(centres)


def _lloyd(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, float]:
    labels = np.full(len(points), -1)
    for _ in range(KMEANS_MAX_ITERATIONS):
        distances = _squared_distances(points, centres)
        assigned = np.argmin(distances, axis=1)
        if np.array_equal(assigned, labels):
            break
        labels = assigned
        for cluster in range(len(centres)):
            members = points[labels == cluster]
            if len(members):  # an emptied cluster keeps its centre
                centres[cluster] = members.mean(axis=0)
    inertia = float(_squared_distances(points, centres)[np.arange(len(points)), labels].sum())
    return labels, inertia
