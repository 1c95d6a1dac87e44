// A pooled connection hands out a promise per query: the promise's resolve and reject are
// new functions on every call, chained onto the connection with `once`. Only one of
// 'row' and 'fault' comes per query, so the other stays on the long-lived connection.
import { EventEmitter } from 'events';

export default class PooledConnection extends EventEmitter {
  query(sql: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.once('row', resolve) // expect: listener-not-removed
        .once('fault', reject); // expect: listener-not-removed
      this.emit('send', sql);
    });
  }
}
