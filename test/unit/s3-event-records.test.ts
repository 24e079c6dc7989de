import test from 'ava';
import { createdObjects } from '../../server/presign/s3-event-records.ts';

const record = (eventName: string, key: string, bucket = 'originals') => ({ eventName, s3: { bucket: { name: bucket }, object: { key, size: 1 } } });

test('ObjectCreated records of AWS, Ceph RGW and MinIO give bucket and decoded key', (t) => {
  const aws = { Records: [record('ObjectCreated:Put', 'carol%40example.com/my+photo%281%29.jpg')] };
  const rgw = Buffer.from(JSON.stringify({ Records: [record('ObjectCreated:CompleteMultipartUpload', 'carol@example.com/0123')] }));
  const minio = JSON.stringify({ EventName: 's3:ObjectCreated:Post', Key: 'originals/x', Records: [record('s3:ObjectCreated:Post', 'a%2Fb')] });
  t.deepEqual(createdObjects(aws), [{ bucket: 'originals', key: 'carol@example.com/my photo(1).jpg' }]);
  t.deepEqual(createdObjects(rgw), [{ bucket: 'originals', key: 'carol@example.com/0123' }]);
  t.deepEqual(createdObjects(minio), [{ bucket: 'originals', key: 'a/b' }]);
});

test('other events and malformed records are skipped; a raw key with a stray % is kept as it is', (t) => {
  const body = {
    Records: [
      record('ObjectRemoved:Delete', 'u/1'),
      record('s3:ObjectAccessed:Get', 'u/2'),
      { eventName: 'ObjectCreated:Put' },
      'nonsense',
      record('ObjectCreated:Copy', 'u/100%'),
    ],
  };
  t.deepEqual(createdObjects(body), [{ bucket: 'originals', key: 'u/100%' }]);
});

test('a body that is not a notification throws', (t) => {
  t.throws(() => createdObjects('not json'));
  t.throws(() => createdObjects({ hello: 'world' }));
  t.throws(() => createdObjects(Buffer.from('{"Records": 3}')));
});
