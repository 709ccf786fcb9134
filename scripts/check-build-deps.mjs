// Runs before the addon build: a missing libpcap gets one clear line instead
// of a page of compiler errors.
import { existsSync } from 'node:fs';

const headers = ['/usr/include/pcap/pcap.h', '/usr/include/pcap.h', '/usr/local/include/pcap/pcap.h'];
if (!headers.some((h) => existsSync(h))) {
  console.error(
    'rawscan: libpcap development files are missing (pcap/pcap.h not found): ' +
      'install them with `sudo apt-get install libpcap-dev` (or run `sudo bash scripts/setup.sh`), then build again',
  );
  process.exit(1);
}
