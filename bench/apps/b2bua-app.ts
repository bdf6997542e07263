// A minimal drachtio-srf B2BUA for the benchmark: every INVITE is bridged to the callee given in
// argv with createB2BUA, and a BYE on either leg ends the other. Usage: b2bua-app.ts <adminPort> <secret> <calleeUri>
import Srf from 'drachtio-srf';

const [adminPort, secret, callee] = process.argv.slice(2);
if (!adminPort || !secret || !callee) {
  process.stderr.write('usage: b2bua-app.ts <adminPort> <secret> <calleeUri>\n');
  process.exit(2);
}
const srf = new Srf();
srf.connect({ host: '127.0.0.1', port: Number(adminPort), secret });
srf.on('connect', (err: Error | null) => {
  if (err) {
    process.stderr.write(`connect failed: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write('ready\n');
});
srf.invite((req, res) => {
  srf
    .createB2BUA(req, res, callee, { localSdpB: req.body })
    .then(({ uas, uac }) => {
      uas.on('destroy', () => void uac.destroy());
      uac.on('destroy', () => void uas.destroy());
    })
    .catch(() => undefined);
});
process.on('SIGTERM', () => {
  srf.disconnect();
  process.exit(0);
});
