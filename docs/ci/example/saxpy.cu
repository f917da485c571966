// SPDX-License-Identifier: Apache-2.0
// y = a*x + y on the GPU; prints the largest error. Compiling it needs no GPU, running it does.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <vector>

__global__ void saxpy(int n, float a, const float* x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = a * x[i] + y[i];
    }
}

int main() {
    const int n = 1 << 20;
    std::vector<float> x(n, 1.0f), y(n, 2.0f);
    float* dx = nullptr;
    float* dy = nullptr;
    if (cudaMalloc(&dx, n * sizeof(float)) != cudaSuccess ||
        cudaMalloc(&dy, n * sizeof(float)) != cudaSuccess) {
        std::printf("no usable GPU: %s\n", cudaGetErrorString(cudaGetLastError()));
        return 77;
    }
    cudaMemcpy(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemcpy(dy, y.data(), n * sizeof(float), cudaMemcpyHostToDevice);
    saxpy<<<(n + 255) / 256, 256>>>(n, 2.0f, dx, dy);
    cudaMemcpy(y.data(), dy, n * sizeof(float), cudaMemcpyDeviceToHost);
    float max_error = 0.0f;
    for (float v : y) {
        max_error = std::fmax(max_error, std::fabs(v - 4.0f));
    }
    std::printf("max error: %g\n", max_error);
    cudaFree(dx);
    cudaFree(dy);
    return max_error == 0.0f ? 0 : 1;
}
