// SPDX-License-Identifier: MIT
// y = a*x + y on the GPU for N floats, then checked on the host.
#include <cmath>
#include <cstdio>
#include <cuda_runtime.h>
#include <vector>

namespace {

constexpr int kN = 1 << 20;
constexpr float kA = 2.0f;

__global__ void saxpy(int n, float a, const float* x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = a * x[i] + y[i];
    }
}

bool check(cudaError_t status, const char* what) {
    if (status != cudaSuccess) {
        std::fprintf(stderr, "saxpy: %s failed: %s\n", what, cudaGetErrorString(status));
        return false;
    }
    return true;
}

} // namespace

int main() {
    std::vector<float> x(kN), y(kN);
    for (int i = 0; i < kN; ++i) {
        x[i] = static_cast<float>(i % 1000) * 0.5f;
        y[i] = 1.0f + static_cast<float>(i % 7);
    }
    float* dx = nullptr;
    float* dy = nullptr;
    const size_t bytes = kN * sizeof(float);
    if (!check(cudaMalloc(&dx, bytes), "cudaMalloc(x)") ||
        !check(cudaMalloc(&dy, bytes), "cudaMalloc(y)") ||
        !check(cudaMemcpy(dx, x.data(), bytes, cudaMemcpyHostToDevice), "copy x") ||
        !check(cudaMemcpy(dy, y.data(), bytes, cudaMemcpyHostToDevice), "copy y")) {
        return 2;
    }
    saxpy<<<(kN + 255) / 256, 256>>>(kN, kA, dx, dy);
    if (!check(cudaGetLastError(), "kernel launch") || !check(cudaDeviceSynchronize(), "kernel") ||
        !check(cudaMemcpy(y.data(), dy, bytes, cudaMemcpyDeviceToHost), "copy back")) {
        return 2;
    }
    cudaFree(dx);
    cudaFree(dy);

    float max_error = 0.0f;
    for (int i = 0; i < kN; ++i) {
        const float expected =
            kA * (static_cast<float>(i % 1000) * 0.5f) + (1.0f + static_cast<float>(i % 7));
        max_error = std::fmax(max_error, std::fabs(y[i] - expected));
    }
    if (max_error > 1e-5f) {
        std::printf("saxpy: max error %f, FAILED\n", max_error);
        return 1;
    }
    std::printf("saxpy: max error %f, OK\n", max_error);
    return 0;
}
