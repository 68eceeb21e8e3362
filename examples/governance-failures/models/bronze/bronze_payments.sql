select 1 as payment_id, 'ada@example.com' as email, '4111111111111111' as card_number, 42.50 as amount
