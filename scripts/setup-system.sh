#!/usr/bin/env bash
# setup-system.sh — makes a WebGPU adapter (Mesa lavapipe via Dawn's Vulkan backend), Debian's
# Chromium and the headless notebook runner available on a fresh Debian/Ubuntu machine.
# Idempotent: does nothing when everything is already there. Run as root; on other systems it
# prints exactly what to install.
set -euo pipefail

need_mesa=0; need_chromium=0; need_jupyter=0
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
v=$(mesa_version)
if [ -z "$v" ] || dpkg --compare-versions "$v" lt 24; then need_mesa=1; fi
command -v chromium >/dev/null 2>&1 || need_chromium=1
if ! command -v jupyter-nbconvert >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import nbclient' >/dev/null 2>&1 \
   || [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import ipykernel' >/dev/null 2>&1; then
  need_jupyter=1
fi

if [ $need_mesa = 0 ] && [ $need_chromium = 0 ] && [ $need_jupyter = 0 ]; then
  echo "setup-system: all present (mesa-vulkan-drivers $v, chromium, jupyter nbconvert)"; exit 0
fi

print_manual() {
  cat <<'TXT'
setup-system: this is not a Debian/Ubuntu machine run as root. Install by hand:
  - Mesa >= 24 Vulkan drivers (lavapipe/llvmpipe software adapter), e.g. Debian 12:
      echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list
      apt-get update && apt-get install -t bookworm-backports mesa-vulkan-drivers
  - EGL/GLES fallback: libegl1 libegl-mesa0 libgles2
  - Chromium (for the browser smoke test): apt-get install chromium
  - Notebook runner: jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
  - Set XDG_RUNTIME_DIR to any writable directory.
TXT
}
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then print_manual; exit 1; fi

export DEBIAN_FRONTEND=noninteractive
. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}
if [ $need_mesa = 1 ] && [ "${ID:-}" = debian ]; then
  if ! grep -rqs "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian ${codename}-backports main" > /etc/apt/sources.list.d/storygrad-backports.list
  fi
fi
apt-get update -qq
pkgs=()
[ $need_chromium = 1 ] && pkgs+=(chromium)
[ $need_jupyter = 1 ] && pkgs+=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)
pkgs+=(libegl1 libegl-mesa0 libgles2 libvulkan1)
apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
if [ $need_mesa = 1 ]; then
  if [ "${ID:-}" = debian ]; then
    apt-get install -y -qq --no-install-recommends -t "${codename}-backports" mesa-vulkan-drivers
  else
    apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers
  fi
fi
echo "setup-system: done (mesa-vulkan-drivers $(mesa_version))"
