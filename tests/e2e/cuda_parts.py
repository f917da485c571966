# SPDX-License-Identifier: Apache-2.0
"""Splits the machine's pip-layout CUDA install back into per-package trees.

/usr/local/cuda holds one dist-info/<wheel>/RECORD per component. Each RECORD lists that
component's files (as nvidia/cu13/<path>); we recreate every component as its own tree in
NVIDIA's redist archive layout (bin/, include/, lib/, nvvm/), the way the store holds package
outputs, and add the lib*.so development links the redist archives have. Files are hard links
when the destination is on the same file system (else copies), never symlinks into
/usr/local/cuda, so the trees keep working with /usr/local/cuda hidden.
"""
import glob
import os
import shutil

CUDA_ROOT = os.environ.get("CUDAPKGS_TEST_CUDA_ROOT", "/usr/local/cuda")

# cudapkgs pname -> wheel name prefix in dist-info
WHEELS = {
    "cuda_nvcc": "nvidia_cuda_nvcc-",
    "cuda_crt": "nvidia_cuda_crt-",
    "cuda_cudart": "nvidia_cuda_runtime-",
    "cuda_cccl": "nvidia_cuda_cccl-",
    "libnvvm": "nvidia_nvvm-",
    "libcublas": "nvidia_cublas-",
}
PREFIX = "nvidia/cu13/"


def record_files(pname):
    """Paths (relative to the toolkit root) of one component, from its RECORD."""
    matches = glob.glob(os.path.join(CUDA_ROOT, "dist-info", WHEELS[pname] + "*", "RECORD"))
    if not matches:
        return None
    files = []
    with open(matches[0]) as f:
        for line in f:
            path = line.rsplit(",", 2)[0]
            if path.startswith(PREFIX) and not path.startswith(PREFIX + ".metadata"):
                files.append(path[len(PREFIX):])
    return files


def _place(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _dev_links(root):
    """lib/libfoo.so -> libfoo.so.N, as in the redist archives."""
    lib = os.path.join(root, "lib")
    if not os.path.isdir(lib):
        return
    for name in os.listdir(lib):
        if ".so." in name:
            base = name.split(".so.")[0] + ".so"
            if not os.path.lexists(os.path.join(lib, base)):
                os.symlink(name, os.path.join(lib, base))


def make_package_tree(pname, dest):
    """Creates dest/ with the component's files; returns False when it is not installed."""
    files = record_files(pname)
    if not files:
        return False
    for rel in files:
        src = os.path.join(CUDA_ROOT, rel)
        if os.path.isfile(src):
            _place(src, os.path.join(dest, rel))
    if pname == "cuda_cudart":
        stub = os.path.join(CUDA_ROOT, "lib", "stubs", "libcuda.so")
        if os.path.isfile(stub):
            _place(stub, os.path.join(dest, "lib", "stubs", "libcuda.so"))
    _dev_links(dest)
    return True


def make_package_trees(pnames, parent):
    """{pname: path} for every component that exists; raises KeyError for unknown names."""
    out = {}
    for pname in pnames:
        dest = os.path.join(parent, pname)
        if make_package_tree(pname, dest):
            out[pname] = dest
    return out
