-- Email channels: the addresses an alert is mailed to, separated by commas (the SMTP server
-- is the installation's). `webhook_url` is empty for them.
ALTER TABLE channels ADD COLUMN email_to TEXT;
