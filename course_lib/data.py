"""The course's datasets: a registry of published files, checked downloads, and loaders.

Every file is fetched once and verified by hash. Two sources are possible:

* online (default): the public URL, downloaded with ``pooch`` into a cache
  (``data/cache`` in the project, or the directory named by ``DGN_DATA_CACHE``);
* offline: a local mirror directory laid out like ``shared/data`` and named by
  ``DGN_DATA_MIRROR``. Then no network is touched. An empty ``DGN_DATA_MIRROR`` is an
  error, not "no mirror": it usually means a shell variable that was never set.

``python -m course_lib.data download --all --to DIR`` builds such a mirror from the public
URLs (see data/README.md).

Some mirror files are lossless re-encodings of the public ones (MANIFEST calls them
*derived*), so each registry entry knows the public hash and, where it differs, the
mirror hash. A download must match the public hash; a file already on disk (mirror or
cache) may match either, as both hold the same data. Nothing unverified is ever read.
"""

import argparse
import gzip
import os
import struct
import sys
import time
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIRROR_ENV = "DGN_DATA_MIRROR"
CACHE_ENV = "DGN_DATA_CACHE"


class DataError(RuntimeError):
    """A dataset file is missing, corrupted or unknown; the message says how to fix it."""


@dataclass(frozen=True)
class DataFile:
    """One published file: where it lives publicly, its hash, and its place in a mirror."""

    path: str  # relative path, identical in the cache and in a mirror
    url: str
    known_hash: str  # "sha256:..." or "md5:..." of the public file
    size: int  # bytes of the mirror copy (the public one where they are the same)
    mirror_hash: str | None = None  # sha256 of the mirror copy, where it differs
    public_size: int | None = None  # bytes of the public copy, where they differ

    @property
    def download_size(self):
        """Bytes a complete download has."""
        return self.public_size or self.size

    @property
    def expected_mirror_hash(self):
        """Hash a mirror copy must have."""
        return self.mirror_hash or self.known_hash

    @property
    def hashes(self):
        """Hashes a file on disk may have: the public copy's, then the mirror copy's."""
        return tuple(dict.fromkeys([self.known_hash, self.expected_mirror_hash]))


_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_SCPLOTTER = (
    "https://raw.githubusercontent.com/pwwang/scplotter/"
    "95b9110185967dd425fa5826f192731890004785/data/"
)
_SCGEN = (
    "https://raw.githubusercontent.com/theislab/scgen/"
    "f8541a6e785e8e0bf3398729de92e5e342065bed/data/"
)
_MIXOLOGY = (
    "https://raw.githubusercontent.com/LuyiTian/sc_mixology/"
    "7d00ffb0bd043467f365a9358d7312f294f13c9f/data/csv/"
)

_FILES = [
    # MNIST: public files are checked by their published MD5s (torchvision's list), mirror
    # copies by the sha256 in MANIFEST.md. The mirror's training images were re-gzipped
    # (same pixels, new gzip stream). Where the public file differs in size, it is the last
    # number; a download's size tells a cut-off transfer from a change.
    DataFile("mnist/train-images-idx3-ubyte.gz", _MNIST_URL + "train-images-idx3-ubyte.gz",
             "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873", 9630610,
             "sha256:7ff28fd295f802eefc6d40e461175dfe4b969b1842b2abc8c6dc8c20711cf79f", 9912422),
    DataFile("mnist/train-labels-idx1-ubyte.gz", _MNIST_URL + "train-labels-idx1-ubyte.gz",
             "md5:d53e105ee54ea40749a09fcbcd1e9432", 28881,
             "sha256:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    DataFile("mnist/t10k-images-idx3-ubyte.gz", _MNIST_URL + "t10k-images-idx3-ubyte.gz",
             "md5:9fb629c4189551a2d022fa330f9573f3", 1648877,
             "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    DataFile("mnist/t10k-labels-idx1-ubyte.gz", _MNIST_URL + "t10k-labels-idx1-ubyte.gz",
             "md5:ec29112dd5afa0611ce80d1b7f02629c", 4542,
             "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    # Single-cell sets. R data files are converted in Python (see _read_seurat_rda).
    DataFile("scrna/kang_ifnb_seurat_sub/ifnb_sub.rda", _SCPLOTTER + "ifnb_sub.rda",
             "sha256:449499b65ae3157f54385021710381bef93a04bc48000d7c7e896184f3b9d9a0", 2442257),
    DataFile("scrna/kang_scgen_valid/scgen_kang_valid.h5ad", _SCGEN + "valid.h5ad",
             "sha256:83f89f5356a4c01f65bbcee225eb45d8d8b13b6c962724431a26c1bf568ff09e", 2321480),
    DataFile("scrna/pancreas_endocrinogenesis_sub/pancreas_sub.rda",
             _SCPLOTTER + "pancreas_sub.rda",
             "sha256:2f29bf0633f21718c1206917369f2d5d4e9f3d5baf3bc4f0dfe6dcb7606a5db0", 3088658),
]
_CELLBENCH_CSVS = {
    "sc_celseq2.count.csv.gz": ("a82aa89b8995aed412f4260c0adb343967e33a801af6f2e0aa647c1d897a5a21", 2089195),
    "sc_celseq2.metadata.csv.gz": ("78429916bac394d92d8c972059a8f195c5479ce578da04f1eb3ba599585ef3d9", 15903),
    "sc_dropseq.count.csv.gz": ("98c0bb6a9fbf4b93967ef82cef9985d7691cf59a31dc5b0b3699f70ed1a0fd08", 1299691),
    "sc_dropseq.metadata.csv.gz": ("4c48f3e13778e89192d9861095bc102cc0deb9eba1a7f47a093f5a058ce1aa6a", 10611),
    "sc_celseq2_5cl_p1.count.csv.gz": ("577324d2fd427685144420536489202c68ae98cb22f5825c40c8cf41c5fe0a07", 1846196),
    "sc_celseq2_5cl_p1.metadata.csv.gz": ("a6f5b206f891113162d2c9af27860c187a04ccd8848f9bc29be97dfa95eeadc4", 17651),
    "sc_celseq2_5cl_p2.count.csv.gz": ("c6ef3df82d9fa44598ee15d8a07113c44a830ee3d2e3205c93590d594240bab5", 1655842),
    "sc_celseq2_5cl_p2.metadata.csv.gz": ("06d2f3b9fd646b4a3c1e6d1af7205c7eec1017bfab9a4c68853f9a3fc97be836", 17861),
    "sc_celseq2_5cl_p3.count.csv.gz": ("e535abac653a5a3ee44eff88345db2315693732f679156ab20ee924b21bced9a", 1449564),
    "sc_celseq2_5cl_p3.metadata.csv.gz": ("c373869c9d3bbca9dc7773a8b8ef65e6035c939d45b18cb410fede526770eadb", 17656),
}
_FILES += [
    DataFile(f"scrna/cellbench_lung_celllines/{name}", _MIXOLOGY + name, f"sha256:{sha}", size)
    for name, (sha, size) in _CELLBENCH_CSVS.items()
]
REGISTRY = {f.path: f for f in _FILES}

CELLBENCH_BATCHES = ("sc_celseq2", "sc_dropseq", "sc_celseq2_5cl_p1",
                     "sc_celseq2_5cl_p2", "sc_celseq2_5cl_p3")


# ---------------------------------------------------------------- fetching and checking
DOWNLOAD_ATTEMPTS = 3  # pooch tries a failed download again after 1 s, then 2 s
_READ_TIMEOUT = 30  # seconds without a byte before an attempt counts as failed
# A running download writes every 64 KiB; a temporary file untouched this long (seconds)
# was left by a download that was killed.
_ABANDONED_AFTER = 600


def cache_dir():
    """Directory downloads are cached in (``DGN_DATA_CACHE`` or ``<project>/data/cache``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser().absolute()
    return Path(__file__).resolve().parent.parent / "data" / "cache"


def mirror_dir():
    """The offline mirror named by ``DGN_DATA_MIRROR``, or None when it is not set."""
    value = os.environ.get(MIRROR_ENV)
    if value is None:
        return None
    if not value.strip():  # e.g. export DGN_DATA_MIRROR=$MIRROR with MIRROR never set
        raise DataError(
            f"{MIRROR_ENV} is set but empty, so the course does not know where the mirror is.\n"
            f"Set it to the mirror's absolute path (export {MIRROR_ENV}=/path/to/shared/data), "
            f"or unset it (unset {MIRROR_ENV}) to download the data."
        )
    mirror = Path(value).expanduser().absolute()  # relative to the current directory
    if not mirror.is_dir():
        raise DataError(
            f"{MIRROR_ENV}={value} is not a directory (looked in {mirror}).\n"
            f"Point {MIRROR_ENV} at a copy of shared/data, preferably by absolute path "
            f"(notebooks run in other directories), or unset it to download the data."
        )
    return mirror


def file_hash(path, alg="sha256"):
    """Hash of a file, as ``"alg:hexdigest"``."""
    import hashlib

    digest = hashlib.new(alg)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return f"{alg}:{digest.hexdigest()}"


def _check(path, entry, where, alternative):
    """Whether ``path`` is a verified copy of ``entry`` (either version), None if it is absent.

    ``where`` names the folder in messages, ``alternative`` is the other way out for the
    user. A directory in the file's place, or a file that cannot be read, is a DataError:
    downloading the file again would not put either right.
    """
    try:
        return any(file_hash(path, h.split(":", 1)[0]) == h for h in entry.hashes)
    except (FileNotFoundError, NotADirectoryError):  # no file (or a file in a folder's place)
        return None
    except IsADirectoryError:
        raise DataError(
            f"{path} is a directory, where {where} should hold the file {entry.path}.\n"
            f"Remove or rename the directory, or {alternative}."
        ) from None
    except OSError as err:  # e.g. a file another user created without read permission
        raise DataError(
            f"{path} in {where} cannot be read ({err.strerror or err}).\n"
            f"Make it readable (chmod a+r {path}), or {alternative}."
        ) from None


def _mismatch(path, entry, fix):
    """The DataError for a file on disk whose hash says it is not ``entry``."""
    return DataError(
        f"{path} is not a valid copy of {entry.path}: its hash does not match.\n"
        f"  expected {' or '.join(entry.hashes)} ({entry.size:,} bytes)\n"
        f"  found    {file_hash(path, 'sha256')} ({Path(path).stat().st_size:,} bytes)\n"
        f"The file is truncated, corrupted or a different version. {fix}"
    )


def _entry(path):
    try:
        return REGISTRY[path]
    except KeyError:
        raise DataError(
            f"'{path}' is not a registered dataset file. Known files:\n  "
            + "\n  ".join(sorted(REGISTRY))
        ) from None


def fetch(path):
    """Local path of a registered file: from the mirror if one is set, else downloaded."""
    entry = _entry(path)
    mirror = mirror_dir()
    if mirror is None:
        folder, where, alternative = _cache_place()
        target = folder / entry.path
        if _kept(target, entry, where, alternative):
            return target
        return _download(entry, folder, where, alternative)
    local = mirror / entry.path
    where = f"the data mirror {mirror} (set by {MIRROR_ENV})"
    valid = _check(local, entry, where, f"unset {MIRROR_ENV} to download the data")
    if valid is None:
        raise DataError(
            f"{local} is missing from the data mirror {mirror} (set by {MIRROR_ENV}).\n"
            f"Expected the file {entry.path} ({entry.size:,} bytes), laid out as in "
            f"shared/data. Copy it there, or unset {MIRROR_ENV} to download it from "
            f"{entry.url}"
        )
    if not valid:
        raise _mismatch(local, entry, f"Replace it with a good copy (see shared/data/MANIFEST.md) "
                                      f"or unset {MIRROR_ENV} to download it.")
    return local


def _cache_place():
    """The cache folder, its name in messages, and the user's other way out."""
    folder = cache_dir()
    return folder, f"the download cache {folder}", f"set {CACHE_ENV} to a directory of your own"


def _kept(target, entry, where, alternative):
    """Whether ``target`` holds a verified copy of ``entry``; a damaged copy is deleted."""
    valid = _check(target, entry, where, alternative)
    if valid is False:
        try:
            target.unlink()  # a stale or damaged copy is never trusted
        except OSError as err:  # e.g. another user's file in a shared cache
            raise DataError(f"{target} in {where} is damaged and cannot be deleted "
                            f"({err.strerror}).\nDelete it, or {alternative}.") from None
    return bool(valid)


class _Downloader:
    """Downloads one URL for pooch, which retries an attempt that raises a RequestException.

    Unlike pooch's own HTTPDownloader it notes how many bytes arrived and whether the
    server announced a length, to tell a transfer cut short from a changed file; it
    raises a refusal (HTTP 4xx) as a DataError, as asking again would get the same answer;
    and it makes the file world-readable (pooch's temporary files are 0600), so that users
    can share a cache or a mirror.
    """

    def __init__(self, entry):
        self.entry = entry
        self.received = None  # bytes of the last attempt, None if it failed
        self.announced = False  # whether the server sent a Content-Length

    def __call__(self, url, output_file, pooch_instance):
        import requests

        self.received = None
        with requests.get(url, stream=True, timeout=_READ_TIMEOUT) as response:
            if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                raise DataError(
                    f"Could not download {self.entry.path}: {url} answered "
                    f"HTTP {response.status_code} {response.reason}. The file has moved or "
                    f"is no longer public; set {MIRROR_ENV} to a directory with a good copy "
                    f"(see data/README.md)."
                )
            response.raise_for_status()  # a server error (5xx) may pass: tried again
            self.announced = "Content-Length" in response.headers
            with open(output_file, "wb") as out:
                for block in response.iter_content(1 << 16):
                    out.write(block)
        os.chmod(output_file, 0o644)
        self.received = os.path.getsize(output_file)


def _remove_abandoned_downloads(folder):
    """Delete temporary files that killed downloads left in ``folder``.

    pooch names them as ``tempfile`` does: ``tmp`` and 8 random characters.
    """
    for path in folder.glob("tmp????????"):
        try:
            if time.time() - path.stat().st_mtime > _ABANDONED_AFTER:
                path.unlink()
        except OSError:  # removed meanwhile by another process, or another user's
            pass


def _download(entry, folder, where, alternative):
    """Download ``entry`` into ``folder`` (the cache or a mirror); its verified local path.

    pooch streams each attempt into a temporary file next to the target, checks its hash,
    and moves it into place only if it matches; a failed attempt is deleted and retried.
    """
    import logging

    import pooch
    import requests

    # One line of our own instead of pooch's INFO lines (absolute cache paths, hashes);
    # pooch's warnings about failed attempts still show. Its logger is not in logging's
    # registry, so logging.getLogger("pooch") would not reach it.
    pooch.get_logger().setLevel(logging.WARNING)
    print(f"downloading {entry.path} ({entry.download_size / 1e6:.1f} MB) from {entry.url}",
          flush=True)
    downloader = _Downloader(entry)
    store = pooch.create(folder, base_url="", registry={entry.path: entry.known_hash},
                         urls={entry.path: entry.url}, retry_if_failed=DOWNLOAD_ATTEMPTS - 1)
    try:
        (folder / entry.path).parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_downloads((folder / entry.path).parent)
        return Path(store.fetch(entry.path, downloader=downloader))
    except requests.RequestException as err:  # before ValueError: some are both
        raise DataError(
            f"Could not download {entry.path} from {entry.url} "
            f"({DOWNLOAD_ATTEMPTS} attempts; the last: {type(err).__name__}: {err})\n"
            f"Check the network connection and try again. Without network access, set "
            f"{MIRROR_ENV} to the absolute path of a directory laid out like shared/data, "
            f"e.g. export {MIRROR_ENV}=/path/to/shared/data"
        ) from None
    except ValueError as err:
        if downloader.received is None:  # raised before the hash check: not a mismatch
            raise DataError(f"Could not download {entry.path} from {entry.url} "
                            f"({type(err).__name__}: {err}).") from err
        raise _failed_hash_check(entry, downloader) from None
    except OSError as err:  # e.g. a read-only or full disk
        raise DataError(
            f"Could not save {entry.path} in {where} ({err}).\n"
            f"Make it writable, or {alternative}."
        ) from None


def _failed_hash_check(entry, downloader):
    """The DataError for a download whose every attempt failed the hash check."""
    received, expected = downloader.received, entry.download_size
    summary = (f"The download of {entry.path} from {entry.url} failed its hash check "
               f"({DOWNLOAD_ATTEMPTS} attempts); nothing was saved.\n")
    if received < expected and not downloader.announced:
        # Without a Content-Length, a dropped connection looks like the end of the file.
        return DataError(
            summary + f"Only {received:,} of its {expected:,} bytes arrived: the connection "
            f"was cut off. Try again later, or set {MIRROR_ENV} to a directory with a good copy."
        )
    return DataError(
        summary + f"The server sent {received:,} bytes that are not the published file "
        f"(expected {entry.known_hash}, {expected:,} bytes): the file at that URL has changed. "
        f"Set {MIRROR_ENV} to a directory with a good copy (see data/README.md)."
    )


# What a parser raises on bytes it cannot make sense of. Anything else (a MemoryError, an
# interrupt) is no reading failure and passes through unchanged.
_READ_ERRORS = (ValueError, LookupError, TypeError, AttributeError, EOFError, OSError,
                NotImplementedError, struct.error, zlib.error)


@contextmanager
def _reading(path):
    """Turn a failure to parse a verified file into one clear DataError, the cause chained."""
    try:
        yield
    except _READ_ERRORS as err:
        # The hash matched, so the bytes are the published ones: the reader is at fault.
        raise DataError(
            f"{path} passed its hash check but could not be read "
            f"({type(err).__name__}: {err}).\nThe file is intact, so the installed "
            f"reading library is probably a different version from requirements.txt; "
            f"reinstall the pinned versions (make setup)."
        ) from err


# ---------------------------------------------------------------- image datasets
def _read_idx(path):
    """Array stored in an IDX file (the MNIST format), gzip-compressed."""
    with _reading(path), gzip.open(path, "rb") as f:
        raw = f.read()
        ndim = raw[3]
        shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
        data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
        return data.reshape(shape)


def _load_idx_set(folder):
    parts = [_read_idx(fetch(f"{folder}/{name}-ubyte.gz"))
             for name in ("train-images-idx3", "train-labels-idx1",
                          "t10k-images-idx3", "t10k-labels-idx1")]
    return (parts[0], parts[1]), (parts[2], parts[3])


def load_mnist():
    """MNIST digits as ``(x_train, y_train), (x_test, y_test)``, uint8, 28x28 images."""
    return _load_idx_set("mnist")


# ---------------------------------------------------------------- single-cell datasets
def _r_attributes(robj):
    """Attributes (S4 slots) of a parsed R object, as {name: object}."""
    from rdata.parser import RObjectType

    slots, node = {}, robj.attributes
    while node is not None and node.info.type == RObjectType.LIST:
        tag = node.tag.value.value.decode() if node.tag is not None and node.tag.value else None
        slots[tag] = node.value[0]
        node = node.value[1]
    return slots


def _read_seurat_rda(path):
    """Counts (cells x genes, CSR) and cell metadata of a Seurat v4 object in an .rda file.

    rdata's default conversion stops at Seurat's S4 classes, so we walk the parsed tree:
    the RNA assay's ``data`` slot (log-normalised dgCMatrix, genes x cells) and
    ``meta.data``. The publisher dropped the counts slot; counts are recovered exactly
    as round(expm1(data) * nCount_RNA / 1e4), the inverse of Seurat's LogNormalize.
    """
    import pandas as pd
    import rdata
    import scipy.sparse as sp

    with _reading(path):
        parsed = rdata.parser.parse_file(path)
        seurat = parsed.object.value[0]
        slots = _r_attributes(seurat)
        meta = rdata.conversion.SimpleConverter().convert(slots["meta.data"])
        rna = _r_attributes(slots["assays"].value[0])
        matrix = _r_attributes(rna["data"])
        n_genes, n_cells = (int(v) for v in matrix["Dim"].value)
        genes = [g.value.decode() for g in matrix["Dimnames"].value[0].value]
        logdata = sp.csc_matrix(
            (matrix["x"].value, matrix["i"].value, matrix["p"].value), shape=(n_genes, n_cells)
        ).T.tocsr()  # dgCMatrix columns are cells, so its transpose is cells x genes CSR
        size_factors = meta["nCount_RNA"].to_numpy() / 1e4
    logdata.data = np.rint(np.expm1(logdata.data)
                           * np.repeat(size_factors, np.diff(logdata.indptr)))
    counts = logdata.astype(np.int32)
    counts.eliminate_zeros()
    meta = pd.DataFrame(meta)
    # rdata yields NumPy strings, which AnnData would display as np.str_('...')
    meta.columns = [str(c) for c in meta.columns]
    meta.index = [str(c) for c in meta.index]
    return counts, meta, genes


def _anndata(counts, obs, genes, source):
    import anndata as ad
    import pandas as pd

    adata = ad.AnnData(X=counts, obs=obs, var=pd.DataFrame(index=pd.Index(genes, name=None)))
    adata.uns["source"] = source
    return adata


def _keep_expressed_genes(adata):
    return adata[:, np.asarray(adata.X.sum(axis=0)).ravel() > 0].copy()


def load_kang_seurat():
    """Kang et al. 2018 IFN-beta PBMC, Seurat ``ifnb`` subset: 2000 cells, raw counts.

    ``obs``: ``cell_type`` (13 Seurat annotations), ``condition`` (control / stimulated),
    plus the published columns.
    """
    path = fetch("scrna/kang_ifnb_seurat_sub/ifnb_sub.rda")
    counts, meta, genes = _read_seurat_rda(path)
    meta["cell_type"] = meta["seurat_annotations"]
    condition = meta["stim"].map({"CTRL": "control", "STIM": "stimulated"})
    meta["condition"] = condition.astype("category")
    adata = _anndata(counts, meta, genes,
                     "Kang et al. 2018 (GSE96583), SeuratData ifnb subset via pwwang/scplotter")
    return _keep_expressed_genes(adata)


def load_kang_scgen():
    """Kang et al. 2018 IFN-beta PBMC, scGen validation split: 1975 cells x 6998 genes, counts.

    The published ``X`` is log-normalised; counts are recovered per cell as
    round(expm1(X) / min_nonzero(expm1(X))), since a cell's smallest non-zero value is one UMI.
    """
    import anndata as ad

    path = fetch("scrna/kang_scgen_valid/scgen_kang_valid.h5ad")
    with _reading(path), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # written by anndata 0.6: harmless FutureWarnings
        published = ad.read_h5ad(path)
    scaled = published.X.tocsr().astype(np.float64)
    scaled.data = np.expm1(scaled.data)
    per_cell_unit = np.minimum.reduceat(scaled.data, scaled.indptr[:-1])
    scaled.data = np.rint(scaled.data / np.repeat(per_cell_unit, np.diff(scaled.indptr)))
    counts = scaled.astype(np.int32)
    obs = published.obs[["cell_type", "condition", "n_counts", "n_genes", "mt_frac"]].copy()
    obs["condition"] = obs["condition"].cat.reorder_categories(["control", "stimulated"])
    return _anndata(counts, obs, list(published.var_names),
                    "Kang et al. 2018 (GSE96583), scGen validation split (theislab/scgen)")


def load_pancreas():
    """Mouse pancreatic endocrinogenesis (Bastidas-Ponce et al. 2019), 1000 cells, counts.

    ``obs``: ``cell_type`` (8 types: Ductal ... Alpha, Beta, Delta, Epsilon),
    ``cell_type_coarse`` (5 stages), cell-cycle ``Phase``, and the Slingshot
    pseudotimes ``Lineage1``-``Lineage3``.
    """
    path = fetch("scrna/pancreas_endocrinogenesis_sub/pancreas_sub.rda")
    counts, meta, genes = _read_seurat_rda(path)
    meta["cell_type"] = meta["SubCellType"]
    meta["cell_type_coarse"] = meta["CellType"]
    adata = _anndata(counts, meta, genes,
                     "Bastidas-Ponce et al. 2019 (GSE132188), scVelo pancreas subset via "
                     "pwwang/scplotter")
    return _keep_expressed_genes(adata)


def _read_count_csv(path, chunk_genes=2000):
    """A genes x cells count CSV as (gene index, cell names, sparse int32 genes x cells).

    Read a block of genes at a time: the dense table of a whole file would take several
    times the memory of the sparse matrix.
    """
    import pandas as pd
    import scipy.sparse as sp

    genes, blocks, cells = [], [], None
    for chunk in pd.read_csv(path, index_col=0, chunksize=chunk_genes):
        cells = list(chunk.columns) if cells is None else cells
        genes.extend(chunk.index)
        blocks.append(sp.csr_matrix(chunk.to_numpy(np.int32)))
    return pd.Index(genes), cells, sp.vstack(blocks).tocsr()


def load_cellbench(singlets_only=True):
    """CellBench lung cell-line mixtures (Tian et al. 2019): five batches, two protocols.

    Cells x genes (Ensembl IDs, genes shared by all batches), raw counts. ``obs``:
    ``batch`` (file), ``protocol``, ``design`` (3cl / 5cl), ``cell_line`` (from genotype),
    ``demuxlet_cls`` (SNG / DBL). Doublets are dropped unless ``singlets_only=False``.
    """
    import pandas as pd
    import scipy.sparse as sp

    folder = "scrna/cellbench_lung_celllines"
    counts, metas = [], []
    for batch in CELLBENCH_BATCHES:
        count_path = fetch(f"{folder}/{batch}.count.csv.gz")
        meta_path = fetch(f"{folder}/{batch}.metadata.csv.gz")
        with _reading(count_path):
            genes, cells, table = _read_count_csv(count_path)
        with _reading(meta_path):
            meta = pd.read_csv(meta_path, index_col=0)
        cells = [f"{batch}:{c}" for c in cells]
        meta.index = [f"{batch}:{c}" for c in meta.index]
        design = "5cl" if "5cl" in batch else "3cl"
        meta = pd.DataFrame({
            "batch": batch,
            "protocol": "Drop-seq" if "dropseq" in batch else "CEL-seq2",
            "design": design,
            "cell_line": meta["cell_line_demuxlet"] if design == "5cl" else meta["cell_line"],
            "cell_line_demuxlet": meta["cell_line_demuxlet"],
            "demuxlet_cls": meta["demuxlet_cls"],
            "total_count_per_cell": meta["total_count_per_cell"],
            "number_of_genes": meta["number_of_genes"],
        }, index=meta.index).loc[cells]
        counts.append((genes, table))
        metas.append(meta)
    shared = counts[0][0]
    for genes, _ in counts[1:]:
        shared = shared.intersection(genes, sort=False)
    matrix = sp.vstack([table[genes.get_indexer(shared)].T for genes, table in counts]).tocsr()
    obs = pd.concat(metas)
    for col in ("batch", "protocol", "design", "cell_line", "cell_line_demuxlet", "demuxlet_cls"):
        obs[col] = obs[col].astype("category")
    adata = _anndata(matrix, obs, list(shared),
                     "CellBench (Tian et al. 2019, GSE118767), LuyiTian/sc_mixology CSVs, "
                     "genes shared by all five batches")
    if singlets_only:
        adata = adata[adata.obs["demuxlet_cls"] == "SNG"].copy()
    return adata


# ---------------------------------------------------------------- building a mirror
def download_files(entries, folder=None):
    """Download and verify ``entries`` into ``folder`` (default: the cache); print a summary.

    ``folder`` gets the layout ``DGN_DATA_MIRROR`` expects. Files already there and valid
    are kept, so an interrupted run can simply be repeated. Returns the failures' messages.
    """
    if folder is None:
        folder, where, alternative = _cache_place()
    else:
        folder = Path(folder).expanduser().absolute()
        where, alternative = f"the mirror {folder}", "choose another directory with --to"
    files = f"{len(entries)} file{'s' * (len(entries) != 1)}"
    print(f"Downloading {files} into {folder}")
    failures, kept = [], 0
    for entry in entries:
        try:
            if _kept(folder / entry.path, entry, where, alternative):
                kept += 1
                print(f"  valid       {entry.path} (kept)")
                continue
            path = _download(entry, folder, where, alternative)
            print(f"  downloaded  {entry.path} ({path.stat().st_size:,} bytes, hash verified)")
        except DataError as err:
            failures.append(str(err))
            print(f"  FAILED      {entry.path}")
    total = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"{files}: {len(entries) - kept - len(failures)} downloaded, "
          f"{kept} already valid, {len(failures)} failed ({total / 1e6:.1f} MB in {folder}).")
    for message in failures:
        print(f"\n{message}")
    if failures:
        print("\nRun the command again to retry the failed files (valid files are kept).")
    elif folder != cache_dir():
        print(f"Use it offline with: export {MIRROR_ENV}={folder}")
    return failures


def main(argv=None):
    """Command line: ``python -m course_lib.data download --all --to DIR``."""
    parser = argparse.ArgumentParser(prog="python -m course_lib.data",
                                     description="The course's data files.")
    commands = parser.add_subparsers(dest="command", required=True)
    download = commands.add_parser(
        "download", help="download and verify registered files into a mirror or the cache")
    download.add_argument("files", nargs="*",
                          help="registered paths, e.g. mnist/t10k-labels-idx1-ubyte.gz")
    download.add_argument("--all", action="store_true", help="every registered file")
    download.add_argument("--to", metavar="DIR", help="mirror directory (default: the cache)")
    args = parser.parse_args(argv)
    if args.all == bool(args.files):
        parser.error("name the files to download, or --all for every registered file")
    try:
        entries = list(REGISTRY.values()) if args.all else [_entry(p) for p in args.files]
    except DataError as err:
        parser.error(str(err))
    return 1 if download_files(entries, args.to) else 0


if __name__ == "__main__":
    sys.exit(main())
