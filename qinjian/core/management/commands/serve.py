"""Start the web server and the job worker together (what `make demo` runs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动 Web 服务（gunicorn）和后台任务进程（huey），Ctrl-C 同时停止两者。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--web-workers", default=os.environ.get("QINJIAN_WEB_WORKERS", "3"))

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = os.path.dirname(sys.executable)
        qinjian = os.path.join(bin_dir, "qinjian")
        gunicorn = os.path.join(bin_dir, "gunicorn")
        env = {**os.environ}
        env.setdefault("DJANGO_SETTINGS_MODULE", "qinjian.settings.local")
        worker = subprocess.Popen([qinjian, "run_huey", "--quiet"], env=env)  # noqa: S603
        web = subprocess.Popen(  # noqa: S603
            [gunicorn, "qinjian.wsgi:application", "--bind", f"{options['host']}:{options['port']}",
             "--workers", str(options["web_workers"]), "--threads", "4", "--access-logfile", "-",
             "--timeout", "120"],
            env=env,
        )
        self.stdout.write(self.style.SUCCESS(
            f"勤俭已启动：http://{options['host']}:{options['port']}/  （后台任务进程 PID {worker.pid}）"))
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and web.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        finally:
            for proc in (web, worker):
                if proc.poll() is None:
                    proc.terminate()
            for proc in (web, worker):
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if not stopping:
            raise SystemExit(1)
