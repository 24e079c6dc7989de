import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { TOPOLOGY } from '../../config/events.ts';
import type { S3Config } from '../../config/schema.ts';

/** The topic name on the store; its messages reach RabbitMQ with this routing key. */
export const notificationTopic = (bucket: string) => `${bucket}-object-created`;

/**
 * Ceph RGW bucket notifications to RabbitMQ: a topic (RGW's SNS-compatible
 * API) that pushes to `pushEndpoint` into TOPOLOGY.storeExchange, persistently
 * (RGW queues a notification the broker cannot take yet and retries; delivery
 * then lags the upload by up to ~10 s), and the bucket's notification
 * configuration sending every ObjectCreated event to it. Replaces the bucket's
 * other notification configurations; safe to re-run.
 *
 * RGW refuses a push endpoint with a password over plain-HTTP S3 (InvalidInput)
 * unless it runs with `rgw_allow_notification_secrets_in_cleartext` (Ceph 17+):
 * talk to RGW over HTTPS, or use a broker user without a password.
 */
export async function putStoreNotifications(s3: S3Client, config: S3Config, pushEndpoint: string): Promise<string> {
  const sns = new SNSClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
  });
  try {
    const { TopicArn } = await sns
      .send(
        new CreateTopicCommand({
          Name: notificationTopic(config.bucket),
          Attributes: { 'push-endpoint': pushEndpoint, 'amqp-exchange': TOPOLOGY.storeExchange, 'amqp-ack-level': 'broker', persistent: 'true' },
        }),
      )
      .catch((err: unknown) => {
        const insecure = new URL(pushEndpoint).password && !config.endpoint?.startsWith('https:');
        throw insecure ? new Error('the store refused the topic: a push endpoint with a password needs HTTPS to RGW (or Ceph 17+ with rgw_allow_notification_secrets_in_cleartext)', { cause: err }) : err;
      });
    if (!TopicArn) throw new Error('CreateTopic answered without a TopicArn');
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: config.bucket,
        NotificationConfiguration: { TopicConfigurations: [{ Id: 'direct-uploads', TopicArn, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    return TopicArn;
  } finally {
    sns.destroy();
  }
}
