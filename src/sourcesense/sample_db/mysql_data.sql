-- Rows, generated on the server; {n} is the number of users (scale), {p} the prefix.
INSERT INTO {p}ecommerce.categories (category_id, parent_id, name) VALUES
    (1, NULL, 'Books'), (2, NULL, 'Games'), (3, 1, 'Fiction'), (4, 2, 'Board games');
INSERT INTO {p}ecommerce.users (email, full_name, phone, status, created_at)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n})
SELECT CONCAT('user', n, '@example.com'), CONCAT('User ', n), CONCAT('+44 20 7946 ', LPAD(n, 4, '0')),
       ELT(1 + n MOD 3, 'active', 'suspended', 'closed'), '2024-01-01' + INTERVAL n HOUR
FROM seq;
INSERT INTO {p}ecommerce.products (category_id, sku, name, price, cost)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 40)
SELECT 1 + n MOD 4, CONCAT('SKU-', LPAD(n, 8, '0')), CONCAT('Product ', n), 5 + n, 2 + n / 2
FROM seq;
INSERT INTO {p}ecommerce.orders (user_id, status, ordered_at)
SELECT user_id, ELT(1 + user_id MOD 4, 'pending', 'paid', 'shipped', 'cancelled'),
       '2024-01-05' + INTERVAL user_id HOUR
FROM {p}ecommerce.users;
INSERT INTO {p}ecommerce.order_items (order_id, line_no, product_id, quantity, unit_price)
-- Not read from orders: the trigger updates it (order ids are 1..{n}, one per user).
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n})
SELECT seq.n, l.n, 1 + (seq.n + l.n) MOD 40, l.n, 9.99
FROM seq JOIN (SELECT 1 AS n UNION ALL SELECT 2) l;
INSERT INTO {p}analytics.user_events (user_id, event_type, occurred_at)
SELECT user_id, 'login', '2024-01-01' + INTERVAL (user_id * 7) HOUR FROM {p}ecommerce.users;
INSERT INTO {p}analytics.product_views (product_id, user_id, viewed_at)
SELECT 1 + user_id MOD 40, user_id, '2024-02-01' + INTERVAL user_id MINUTE FROM {p}ecommerce.users;
INSERT INTO {p}reporting.daily_sales (sales_date, orders, revenue)
SELECT DATE(ordered_at), COUNT(*), SUM(total) FROM {p}ecommerce.orders GROUP BY DATE(ordered_at);
