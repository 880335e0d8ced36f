import { connect } from 'node:net';

/**
 * Publishes one message the way any raw client can, over a socket of its own: the header block
 * goes as given, however malformed, which the official client would refuse to send. Resolves once
 * the server has answered a PING after it (so it has routed the message).
 */
export function rawPublish(port: number, subject: string, headerBlock: string, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = false;
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!sent && received.includes('INFO ')) {
        sent = true;
        const headerBytes = Buffer.byteLength(headerBlock);
        const totalBytes = headerBytes + Buffer.byteLength(payload);
        socket.write(`CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\nHPUB ${subject} ${headerBytes} ${totalBytes}\r\n${headerBlock}${payload}\r\nPING\r\n`);
      }
      if (received.includes('-ERR')) {
        socket.destroy();
        reject(new Error(`nats-server refused the raw publish: ${received.trim()}`));
      } else if (received.includes('PONG')) {
        socket.end();
        resolve();
      }
    });
    socket.on('error', reject);
  });
}
