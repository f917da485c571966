// SPDX-License-Identifier: MIT
// C = A * B with cublasSgemm (plus a tiny kernel of our own), checked on the host.
#include <cmath>
#include <cstdio>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <vector>

namespace {

constexpr int kM = 64, kN = 48, kK = 32;

__global__ void fill(float* p, int n, float scale) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        p[i] = scale * static_cast<float>(i % 13 - 6);
    }
}

bool cuda_ok(cudaError_t status, const char* what) {
    if (status != cudaSuccess) {
        std::fprintf(stderr, "cublas-example: %s failed: %s\n", what, cudaGetErrorString(status));
        return false;
    }
    return true;
}

bool blas_ok(cublasStatus_t status, const char* what) {
    if (status != CUBLAS_STATUS_SUCCESS) {
        std::fprintf(stderr, "cublas-example: %s failed: status %d\n", what,
                     static_cast<int>(status));
        return false;
    }
    return true;
}

float value(int i, float scale) {
    return scale * static_cast<float>(i % 13 - 6);
}

} // namespace

int main() {
    float *a = nullptr, *b = nullptr, *c = nullptr;
    if (!cuda_ok(cudaMalloc(&a, kM * kK * sizeof(float)), "cudaMalloc(A)") ||
        !cuda_ok(cudaMalloc(&b, kK * kN * sizeof(float)), "cudaMalloc(B)") ||
        !cuda_ok(cudaMalloc(&c, kM * kN * sizeof(float)), "cudaMalloc(C)")) {
        return 2;
    }
    fill<<<(kM * kK + 127) / 128, 128>>>(a, kM * kK, 0.25f);
    fill<<<(kK * kN + 127) / 128, 128>>>(b, kK * kN, 0.5f);
    if (!cuda_ok(cudaGetLastError(), "fill kernel")) {
        return 2;
    }
    cublasHandle_t handle = nullptr;
    const float alpha = 1.0f, beta = 0.0f;
    // Column-major: A is kM x kK (lda kM), B is kK x kN (ldb kK), C is kM x kN (ldc kM).
    if (!blas_ok(cublasCreate(&handle), "cublasCreate") ||
        !blas_ok(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, kM, kN, kK, &alpha, a, kM, b, kK,
                             &beta, c, kM),
                 "cublasSgemm")) {
        return 2;
    }
    std::vector<float> host(kM * kN);
    if (!cuda_ok(cudaMemcpy(host.data(), c, host.size() * sizeof(float), cudaMemcpyDeviceToHost),
                 "copy back")) {
        return 2;
    }
    cublasDestroy(handle);
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);

    double max_error = 0.0;
    for (int col = 0; col < kN; ++col) {
        for (int row = 0; row < kM; ++row) {
            double expected = 0.0;
            for (int k = 0; k < kK; ++k) {
                expected += double(value(row + k * kM, 0.25f)) * value(k + col * kK, 0.5f);
            }
            max_error = std::fmax(max_error, std::fabs(host[row + col * kM] - expected));
        }
    }
    if (max_error > 1e-3) {
        std::printf("cublas-example: sgemm %dx%dx%d max error %f, FAILED\n", kM, kN, kK, max_error);
        return 1;
    }
    std::printf("cublas-example: sgemm %dx%dx%d max error %f, OK\n", kM, kN, kK, max_error);
    return 0;
}
