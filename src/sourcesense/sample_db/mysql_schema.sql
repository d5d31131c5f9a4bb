-- sample_db for MySQL 8.0.16+ / MariaDB 10.6+: the three domains as three databases. {p} is the
-- database name prefix (validated: letters, digits and _ only). Statements end with ';' at the
-- end of a line, or with the DELIMITER in force (bodies of triggers and procedures).

CREATE DATABASE {p}ecommerce CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE {p}analytics CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE {p}reporting CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE {p}ecommerce.users (
    user_id INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'surrogate key',
    email VARCHAR(255) NOT NULL COMMENT 'login and contact address',
    full_name VARCHAR(200) NOT NULL,
    phone VARCHAR(40) NULL,
    status ENUM('active', 'suspended', 'closed') NOT NULL DEFAULT 'active',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (user_id),
    UNIQUE KEY users_email_key (email),
    KEY users_name_prefix (full_name(20))
) ENGINE = InnoDB COMMENT = 'registered customers';

CREATE TABLE {p}ecommerce.categories (
    category_id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    parent_id INT UNSIGNED NULL,
    name VARCHAR(100) NOT NULL,
    PRIMARY KEY (category_id),
    CONSTRAINT categories_parent_fk FOREIGN KEY (parent_id)
        REFERENCES {p}ecommerce.categories (category_id) ON DELETE SET NULL
) ENGINE = InnoDB;

CREATE TABLE {p}ecommerce.products (
    product_id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    category_id INT UNSIGNED NOT NULL,
    sku CHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name VARCHAR(200) NOT NULL,
    price DECIMAL(10, 2) NOT NULL,
    cost DECIMAL(10, 2) NOT NULL,
    margin DECIMAL(10, 2) AS (price - cost) STORED COMMENT 'generated: price - cost',
    PRIMARY KEY (product_id),
    UNIQUE KEY products_sku_key (sku),
    CONSTRAINT products_price_check CHECK (price >= 0),
    CONSTRAINT products_category_fk FOREIGN KEY (category_id)
        REFERENCES {p}ecommerce.categories (category_id) ON UPDATE CASCADE ON DELETE RESTRICT
) ENGINE = InnoDB;

CREATE TABLE {p}ecommerce.orders (
    order_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id INT UNSIGNED NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    ordered_at DATETIME NOT NULL,
    total DECIMAL(12, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id),
    KEY orders_user_idx (user_id, ordered_at),
    CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    CONSTRAINT orders_user_fk FOREIGN KEY (user_id)
        REFERENCES {p}ecommerce.users (user_id) ON DELETE CASCADE
) ENGINE = InnoDB;

CREATE TABLE {p}ecommerce.order_items (
    order_id BIGINT UNSIGNED NOT NULL,
    line_no SMALLINT UNSIGNED NOT NULL,
    product_id INT UNSIGNED NOT NULL,
    quantity INT NOT NULL,
    unit_price DECIMAL(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT order_items_quantity_check CHECK (quantity > 0),
    CONSTRAINT order_items_order_fk FOREIGN KEY (order_id)
        REFERENCES {p}ecommerce.orders (order_id) ON DELETE CASCADE,
    CONSTRAINT order_items_product_fk FOREIGN KEY (product_id)
        REFERENCES {p}ecommerce.products (product_id)
) ENGINE = InnoDB;

DELIMITER //
CREATE TRIGGER {p}ecommerce.order_items_total AFTER INSERT ON {p}ecommerce.order_items
FOR EACH ROW
BEGIN
    UPDATE {p}ecommerce.orders SET total = total + NEW.quantity * NEW.unit_price
    WHERE order_id = NEW.order_id;
END//
CREATE PROCEDURE {p}ecommerce.cancel_order(IN p_order_id BIGINT UNSIGNED)
    MODIFIES SQL DATA
    COMMENT 'marks an order cancelled'
BEGIN
    UPDATE {p}ecommerce.orders SET status = 'cancelled' WHERE order_id = p_order_id;
END//
CREATE FUNCTION {p}ecommerce.with_tax(amount DECIMAL(12, 2)) RETURNS DECIMAL(12, 2)
    DETERMINISTIC
BEGIN
    RETURN amount * 1.2;
END//
DELIMITER ;

CREATE TABLE {p}analytics.user_events (
    event_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id INT UNSIGNED NOT NULL,
    event_type VARCHAR(40) NOT NULL,
    occurred_at DATETIME NOT NULL,
    PRIMARY KEY (event_id, occurred_at)
) ENGINE = InnoDB COMMENT = 'clickstream, partitioned by month'
PARTITION BY RANGE (TO_DAYS(occurred_at)) (
    PARTITION p2024_01 VALUES LESS THAN (TO_DAYS('2024-02-01')),
    PARTITION p2024_02 VALUES LESS THAN (TO_DAYS('2024-03-01')),
    PARTITION p2024_03 VALUES LESS THAN (TO_DAYS('2024-04-01')),
    PARTITION pmax VALUES LESS THAN MAXVALUE
);

CREATE TABLE {p}analytics.product_views (
    view_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    product_id INT UNSIGNED NOT NULL,
    user_id INT UNSIGNED NULL,
    viewed_at DATETIME NOT NULL,
    PRIMARY KEY (view_id),
    CONSTRAINT product_views_product_fk FOREIGN KEY (product_id)
        REFERENCES {p}ecommerce.products (product_id)
) ENGINE = InnoDB;

CREATE TABLE {p}reporting.daily_sales (
    sales_date DATE NOT NULL,
    orders INT NOT NULL,
    revenue DECIMAL(14, 2) NOT NULL,
    PRIMARY KEY (sales_date)
) ENGINE = InnoDB;

CREATE VIEW {p}reporting.order_summary AS
SELECT o.order_id, o.user_id, u.email, o.status, o.total, COUNT(i.line_no) AS line_count
FROM {p}ecommerce.orders o
JOIN {p}ecommerce.users u ON u.user_id = o.user_id
LEFT JOIN {p}ecommerce.order_items i ON i.order_id = o.order_id
GROUP BY o.order_id, o.user_id, u.email, o.status, o.total;

CREATE VIEW {p}reporting.top_customers AS
SELECT s.user_id, s.email, SUM(s.total) AS revenue
FROM {p}reporting.order_summary s
WHERE s.status <> 'cancelled'
GROUP BY s.user_id, s.email;

CREATE EVENT {p}reporting.purge_daily_sales
    ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE
    COMMENT 'keeps two years of daily sales'
    DO DELETE FROM {p}reporting.daily_sales WHERE sales_date < CURRENT_DATE - INTERVAL 2 YEAR;
