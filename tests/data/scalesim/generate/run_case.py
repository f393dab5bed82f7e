"""Run one generated case through SCALE-Sim 3.0.0; write status.json."""
import json, os, sys, time, traceback, warnings
warnings.simplefilter("ignore")
d = sys.argv[1]; gemm = sys.argv[2] == "1"; traces = sys.argv[3] == "1"
# An optional fourth argument names the layout file (default: the header-only one).
layout = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "layout_header_only.csv")
os.chdir(d)
from scalesim.scale_sim import scalesim
t0 = time.process_time()
try:
    s = scalesim(save_disk_space=not traces, verbose=False, config=os.path.join(d, "scalesim.cfg"),
                 topology=os.path.join(d, "topology.csv"), layout=layout,
                 input_type_gemm=gemm)
    s.run_scale(top_path=os.path.join(d, "out"))
    st = dict(status="ok", cpu=time.process_time() - t0)
except BaseException as e:
    st = dict(status="crash", error=type(e).__name__ + ": " + str(e)[:300], tb=traceback.format_exc()[-800:])
json.dump(st, open(os.path.join(d, "status.json"), "w"))
