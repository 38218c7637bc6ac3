import {
  ChildEntity,
  Column,
  DataSource,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  TableInheritance,
} from 'typeorm';

import type { DatabaseConfig } from '../../../src/config/database-url';
import { createDataSource } from '../../../src/database/data-source';
import { createTestLogger } from '../../helpers/log-capture';

// Shapes the server's entities do not have (none has a one-to-many relation, an embedded or an
// inherited entity), for the prepared select's refusals. Only the data source below maps them.

@Entity({ name: 'shape_parent' })
export class ShapeParent {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @OneToMany(() => ShapeChild, (child) => child.parent)
  children?: ShapeChild[];
}

@Entity({ name: 'shape_child' })
export class ShapeChild {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'parent_id', type: 'varchar', length: 36 })
  parentId!: string;

  @ManyToOne(() => ShapeParent, (parent) => parent.children, { nullable: false })
  @JoinColumn({ name: 'parent_id' })
  parent?: ShapeParent;
}

export class ShapeAddress {
  @Column({ name: 'street', type: 'varchar', length: 100 })
  street!: string;
}

@Entity({ name: 'shape_with_address' })
export class ShapeWithAddress {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Column(() => ShapeAddress)
  address!: ShapeAddress;
}

@Entity({ name: 'shape_animal' })
@TableInheritance({ column: { name: 'kind', type: 'varchar', length: 20 } })
export class ShapeAnimal {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;
}

@ChildEntity('dog')
export class ShapeDog extends ShapeAnimal {
  @Column({ name: 'barks', type: 'boolean', nullable: true })
  barks!: boolean | null;
}

/**
 * A data source on `database` that maps only the shapes above, connected but without their
 * tables: a refused select throws before it sends anything.
 */
export async function openShapeDataSource(database: DatabaseConfig): Promise<DataSource> {
  const { logger } = createTestLogger('warn');
  const options = createDataSource(database, logger).options;
  const dataSource = new DataSource({
    ...options,
    entities: [ShapeParent, ShapeChild, ShapeWithAddress, ShapeAnimal, ShapeDog],
    migrations: [],
  });
  await dataSource.initialize();
  return dataSource;
}
