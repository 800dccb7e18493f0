# PyTorch CUDA figures beside gradlab-bench on the same GPU: SGEMM 4096^3 fp32 (TF32 off, as
# cuBLAS fp32), and eager training steps of MLP 784-256-256-10 and LeNet-5 at batch 64 (SGD).
import time, torch
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"
def timed(fn, reps):
    for _ in range(5): fn()
    torch.cuda.synchronize(); t = time.perf_counter()
    for _ in range(reps): fn()
    torch.cuda.synchronize(); return (time.perf_counter() - t) / reps
for n in (1024, 2048, 4096):
    a = torch.rand(n, n, device=dev) * 2 - 1; b = torch.rand(n, n, device=dev) * 2 - 1
    s = timed(lambda: torch.mm(a, b), 50)
    print(f"torch cuda sgemm {n}^3: {2*n**3/s/1e9:.0f} GFLOP/s")
nets = {
 "mlp_784_256_256_10": torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784,256), torch.nn.ReLU(),
     torch.nn.Linear(256,256), torch.nn.ReLU(), torch.nn.Linear(256,10)),
 "lenet5": torch.nn.Sequential(torch.nn.Conv2d(1,6,5,padding=2), torch.nn.Tanh(), torch.nn.AvgPool2d(2),
     torch.nn.Conv2d(6,16,5), torch.nn.Tanh(), torch.nn.AvgPool2d(2), torch.nn.Flatten(),
     torch.nn.Linear(400,120), torch.nn.Tanh(), torch.nn.Linear(120,84), torch.nn.Tanh(), torch.nn.Linear(84,10)),
}
for name, net in nets.items():
    net = net.to(dev); opt = torch.optim.SGD(net.parameters(), lr=0.01); lossf = torch.nn.CrossEntropyLoss()
    x = torch.rand(64, 1, 28, 28, device=dev); y = torch.randint(0, 10, (64,), device=dev)
    def step():
        opt.zero_grad(set_to_none=True); l = lossf(net(x), y); l.backward(); opt.step()
    s = timed(step, 200)
    print(f"torch cuda eager step {name} batch 64: {s*1e3:.3f} ms")
